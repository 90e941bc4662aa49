/*
 * Global alignment of a search query against one of its matches, with
 * unit costs (Levenshtein): the alignment the search's distance counts.
 *
 * The edits read as the changes that turn the QUERY into the MATCH, and
 * every position is 1-based in the QUERY:
 *   - substitution "A→G at 17": query base 17 is A, the match has G there;
 *   - insertion "insertion of T after 42": the match has a T that the query
 *     lacks, between query bases 42 and 43 ("before 1" at the very start);
 *   - deletion "deletion of C at 50": query base 50 is absent from the match.
 *
 * The dynamic program is banded (Ukkonen): a path of cost at most k never
 * leaves the diagonals |j - i| <= k, so it runs with k = max(1, length
 * difference) and doubles k until the cost found is within the band, which
 * proves it optimal. Memory is one byte per cell of the band, so very long
 * pairs at a large distance are refused (see MAX_CELLS) rather than
 * freezing the page.
 */

export type Op = "match" | "sub" | "ins" | "del";

/** Gap character in the aligned rows. */
export const GAP = "-";

export interface Alignment {
  /** The query with GAP where the match has an inserted base. */
  queryRow: string;
  /** The match with GAP where a query base is deleted. */
  matchRow: string;
  /** One op per column. */
  ops: Op[];
  /**
   * Per column, the 1-based query position: of the query base in that
   * column, or for an insertion the query base it follows (0 = before
   * the first).
   */
  queryPos: number[];
  /** Per column, the 1-based match position, or for a deletion the match base it follows. */
  matchPos: number[];
  /** The Levenshtein distance: the number of columns whose op is not "match". */
  distance: number;
}

/** Largest band (rows times diagonals) aligned in the browser: 32 MiB of traceback. */
export const MAX_CELLS = 32 * 1024 * 1024;

// Traceback codes, one byte per cell.
const FROM_DIAG = 0;
const FROM_UP = 1; // deletion of a query base
const FROM_LEFT = 2; // insertion of a match base

/** Thrown by align() when the pair needs more than MAX_CELLS cells. */
export class AlignmentTooLarge extends Error {
  constructor(readonly cells: number) {
    super(`These sequences are too long to align in the browser (${cells.toLocaleString("en")} cells).`);
    this.name = "AlignmentTooLarge";
  }
}

/**
 * Banded edit-distance DP of a (query) against b (match) on diagonals
 * |j - i| <= k. Returns the distance and the traceback, or null when the
 * best path in the band costs more than k (then it may not be optimal).
 */
function banded(a: string, b: string, k: number): { dist: number; tb: Uint8Array; w: number } | null {
  const n = a.length;
  const m = b.length;
  const w = 2 * k + 1;
  const INF = 0x3fffffff;
  const tb = new Uint8Array((n + 1) * w);
  let prev = new Int32Array(w).fill(INF);
  let cur = new Int32Array(w).fill(INF);
  // Row 0: D[0][j] = j (insertions), for j <= k.
  for (let j = 0; j <= Math.min(m, k); j++) {
    prev[j + k] = j;
    tb[j + k] = FROM_LEFT;
  }
  for (let i = 1; i <= n; i++) {
    cur.fill(INF);
    const ai = a.charCodeAt(i - 1);
    const jlo = Math.max(0, i - k);
    const jhi = Math.min(m, i + k);
    const row = i * w;
    for (let j = jlo; j <= jhi; j++) {
      const d = j - i + k;
      let best: number;
      let from: number;
      if (j === 0) {
        best = (prev[d + 1] ?? INF) + 1;
        from = FROM_UP;
      } else {
        best = (prev[d] ?? INF) + (ai === b.charCodeAt(j - 1) ? 0 : 1);
        from = FROM_DIAG;
        const up = d + 1 < w ? (prev[d + 1] ?? INF) + 1 : INF;
        if (up < best) {
          best = up;
          from = FROM_UP;
        }
        const left = d > 0 ? (cur[d - 1] ?? INF) + 1 : INF;
        if (left < best) {
          best = left;
          from = FROM_LEFT;
        }
      }
      cur[d] = best;
      tb[row + d] = from;
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  const dist = prev[m - n + k] ?? INF;
  return dist <= k ? { dist, tb, w } : null;
}

/**
 * Aligns `query` against `match` (both clean upper-case strings).
 * `hint`, if known (the search's distance), is the band to try first.
 * Throws AlignmentTooLarge when the band outgrows MAX_CELLS.
 */
export function align(query: string, match: string, hint?: number): Alignment {
  const n = query.length;
  const m = match.length;
  let k = Math.max(1, Math.abs(n - m), hint ?? 0);
  for (;;) {
    const cells = (n + 1) * (2 * k + 1);
    if (cells > MAX_CELLS) throw new AlignmentTooLarge(cells);
    const r = banded(query, match, k);
    if (r) return traceback(query, match, k, r.dist, r.tb, r.w);
    k *= 2;
  }
}

function traceback(a: string, b: string, k: number, dist: number, tb: Uint8Array, w: number): Alignment {
  const qcols: string[] = [];
  const mcols: string[] = [];
  const ops: Op[] = [];
  const qpos: number[] = [];
  const mpos: number[] = [];
  let i = a.length;
  let j = b.length;
  while (i > 0 || j > 0) {
    const from = i === 0 ? FROM_LEFT : j === 0 ? FROM_UP : tb[i * w + (j - i + k)];
    if (from === FROM_DIAG) {
      const qa = a[i - 1] as string;
      const mb = b[j - 1] as string;
      qcols.push(qa);
      mcols.push(mb);
      ops.push(qa === mb ? "match" : "sub");
      qpos.push(i);
      mpos.push(j);
      i--;
      j--;
    } else if (from === FROM_UP) {
      qcols.push(a[i - 1] as string);
      mcols.push(GAP);
      ops.push("del");
      qpos.push(i);
      mpos.push(j);
      i--;
    } else {
      qcols.push(GAP);
      mcols.push(b[j - 1] as string);
      ops.push("ins");
      qpos.push(i);
      mpos.push(j);
      j--;
    }
  }
  qcols.reverse();
  mcols.reverse();
  ops.reverse();
  qpos.reverse();
  mpos.reverse();
  return { queryRow: qcols.join(""), matchRow: mcols.join(""), ops, queryPos: qpos, matchPos: mpos, distance: dist };
}

/** One entry of an edit script; runs of insertions or deletions are grouped. */
export type Edit =
  | { op: "sub"; from: string; to: string; at: number }
  | { op: "ins"; bases: string; after: number }
  | { op: "del"; bases: string; at: number; to: number };

/** The edits of an alignment, in query order, positions as described at the top. */
export function editScript(al: Alignment): Edit[] {
  const out: Edit[] = [];
  for (let c = 0; c < al.ops.length; c++) {
    const op = al.ops[c];
    const qp = al.queryPos[c] ?? 0;
    const last = out[out.length - 1];
    if (op === "sub") {
      out.push({ op: "sub", from: al.queryRow[c] as string, to: al.matchRow[c] as string, at: qp });
    } else if (op === "ins") {
      const base = al.matchRow[c] as string;
      if (last && last.op === "ins" && last.after === qp && al.ops[c - 1] === "ins") last.bases += base;
      else out.push({ op: "ins", bases: base, after: qp });
    } else if (op === "del") {
      const base = al.queryRow[c] as string;
      if (last && last.op === "del" && last.to === qp - 1 && al.ops[c - 1] === "del") {
        last.bases += base;
        last.to = qp;
      } else out.push({ op: "del", bases: base, at: qp, to: qp });
    }
  }
  return out;
}

/** One edit in words, e.g. "A→G at 17", "insertion of T after 42". */
export function describeEdit(e: Edit): string {
  switch (e.op) {
    case "sub":
      return `${e.from}→${e.to} at ${e.at}`;
    case "ins":
      return `insertion of ${e.bases} ${e.after === 0 ? "before 1" : `after ${e.after}`}`;
    case "del":
      return `deletion of ${e.bases} at ${e.at === e.to ? e.at : `${e.at}–${e.to}`}`;
  }
}

/** The whole script in words: "3 edits: A→G at 17, insertion of T after 42, deletion of C at 50". */
export function describeEdits(al: Alignment): string {
  if (al.distance === 0) return "Identical: no edits.";
  const words = editScript(al).map(describeEdit).join(", ");
  return `${al.distance} ${al.distance === 1 ? "edit" : "edits"}: ${words}`;
}
