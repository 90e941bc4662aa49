import { describe, expect, it } from "vitest";
import { GAP, align, describeEdits, editScript } from "../src/align";

/** Plain O(nm) Levenshtein distance: the reference. */
function lev(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
      );
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** mulberry32: a small seeded generator, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomDna(r: () => number, len: number): string {
  let s = "";
  for (let i = 0; i < len; i++) s += "ACGT"[Math.floor(r() * 4)];
  return s;
}

/** A copy of s with `edits` random substitutions, insertions and deletions. */
function mutate(r: () => number, s: string, edits: number): string {
  let t = s;
  for (let e = 0; e < edits; e++) {
    const p = Math.floor(r() * (t.length + 1));
    const kind = Math.floor(r() * 3);
    const base = "ACGT"[Math.floor(r() * 4)] as string;
    if (kind === 0 && p < t.length) t = t.slice(0, p) + base + t.slice(p + 1);
    else if (kind === 1) t = t.slice(0, p) + base + t.slice(p);
    else if (p < t.length) t = t.slice(0, p) + t.slice(p + 1);
  }
  return t;
}

function check(q: string, m: string, hint?: number): void {
  const al = align(q, m, hint);
  const ref = lev(q, m);
  expect(al.distance, `${q} vs ${m}`).toBe(ref);
  expect(al.ops.filter((o) => o !== "match").length).toBe(ref);
  expect(al.queryRow.split(GAP).join("")).toBe(q);
  expect(al.matchRow.split(GAP).join("")).toBe(m);
  expect(al.queryRow.length).toBe(al.ops.length);
  expect(al.matchRow.length).toBe(al.ops.length);
  for (let c = 0; c < al.ops.length; c++) {
    const op = al.ops[c];
    const qa = al.queryRow[c];
    const mb = al.matchRow[c];
    if (op === "match") expect(qa).toBe(mb);
    if (op === "sub") expect(qa !== mb && qa !== GAP && mb !== GAP).toBe(true);
    if (op === "ins") expect(qa).toBe(GAP);
    if (op === "del") expect(mb).toBe(GAP);
  }
}

describe("align", () => {
  it("matches the reference DP on 2,000 seeded random pairs", () => {
    const r = rng(20261126);
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(r() * 60);
      const q = randomDna(r, len);
      // Half related (a few edits apart, as search results are), half unrelated.
      const m = n % 2 === 0 ? mutate(r, q, Math.floor(r() * 8)) : randomDna(r, Math.floor(r() * 60));
      check(q, m, n % 3 === 0 ? lev(q, m) : undefined);
    }
  });

  it("handles empty strings", () => {
    check("", "");
    check("", "ACG");
    check("ACG", "");
  });

  it("aligns a long pair a few edits apart", () => {
    const r = rng(7);
    const q = randomDna(r, 5000);
    check(q, mutate(r, q, 5));
  });
});

describe("edit script", () => {
  it("says a substitution with its query position", () => {
    expect(describeEdits(align("ACGTACGT", "ACGTTCGT"))).toBe("1 edit: A→T at 5");
  });

  it("says an insertion after a query position, and before 1 at the start", () => {
    expect(describeEdits(align("ACGT", "ACGGT"))).toMatch(/^1 edit: insertion of G after [23]$/);
    expect(describeEdits(align("CGTA", "TCGTA"))).toBe("1 edit: insertion of T before 1");
    expect(describeEdits(align("ACGT", "ACGTT"))).toMatch(/^1 edit: insertion of T after [34]$/);
  });

  it("says a deletion at a query position", () => {
    expect(describeEdits(align("ACGTACGT", "ACGACGT"))).toBe("1 edit: deletion of T at 4");
  });

  it("groups runs of insertions and deletions but counts every edit", () => {
    const ins = align("AAAACCCC", "AAAAGGGCCCC");
    expect(editScript(ins)).toEqual([{ op: "ins", bases: "GGG", after: 4 }]);
    expect(describeEdits(ins)).toBe("3 edits: insertion of GGG after 4");
    const del = align("AAAAGGGCCCC", "AAAACCCC");
    expect(describeEdits(del)).toBe("3 edits: deletion of GGG at 5–7");
  });

  it("lists mixed edits in query order", () => {
    //    // Unambiguous edits: each could only sit where it is.
    const q = "ACGTACGTACGTACGTAAGGCCTTAGCATGAC";
    const m = "ACGTACGTACGTACGTGAGGCCTTAGCACTGA";
    const al = align(q, m);
    expect(al.distance).toBe(3);
    expect(describeEdits(al)).toBe("3 edits: A→G at 17, insertion of C after 28, deletion of C at 32");
  });

  it("says identical for distance 0", () => expect(describeEdits(align("ACGT", "ACGT"))).toBe("Identical: no edits."));
});
