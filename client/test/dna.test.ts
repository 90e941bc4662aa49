import { describe, expect, it } from "vitest";
import { checkSequence, cleanSequence, composition, showChar, toFasta } from "../src/dna";

describe("cleanSequence", () => {
  it("folds case", () => expect(cleanSequence("acgTacGT")).toBe("ACGTACGT"));
  it("strips spaces, tabs and line breaks", () =>
    expect(cleanSequence("  ACG T\tAC\r\nGT\n")).toBe("ACGTACGT"));
  it("drops a leading FASTA header line", () =>
    expect(cleanSequence(">seq1 some description\nACGT\nacgt\n")).toBe("ACGTACGT"));
  it("drops a header after leading blank lines", () => expect(cleanSequence("\n\n>x\r\nAC\r\nGT")).toBe("ACGT"));
  it("a header alone leaves nothing", () => expect(cleanSequence(">only a header")).toBe(""));
  it("keeps a '>' that is not at the start, so it is reported", () =>
    expect(cleanSequence("AC>GT")).toBe("AC>GT"));
});

describe("checkSequence", () => {
  it("accepts A, C, G, T in either case", () =>
    expect(checkSequence("acgtACGT")).toEqual({ ok: true, sequence: "ACGTACGT" }));

  it("rejects the empty string", () => {
    const r = checkSequence(" \n ");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.kind).toBe("empty");
  });

  it("reports the 1-based position of the first invalid letter", () => {
    const r = checkSequence("ACGTNACGN");
    expect(r.ok).toBe(false);
    if (!r.ok && r.problem.kind === "invalid_base") {
      expect(r.problem.position).toBe(5);
      expect(r.problem.char).toBe("N");
      expect(r.problem.message).toBe("'N' at position 5 is not one of A, C, G, T.");
    } else throw new Error("expected invalid_base");
  });

  it("counts positions in the cleaned bases, not the pasted text", () => {
    const r = checkSequence(">h\nAC GT\nAU");
    if (!r.ok && r.problem.kind === "invalid_base") expect(r.problem.position).toBe(6);
    else throw new Error("expected invalid_base");
  });

  it("folds case before reporting, like the server", () => {
    const r = checkSequence("acgn");
    if (!r.ok && r.problem.kind === "invalid_base") expect(r.problem.char).toBe("N");
    else throw new Error("expected invalid_base");
  });

  it("rejects IUPAC codes, RNA U, digits and NUL", () => {
    for (const bad of ["R", "U", "1", "\u0000", "-", "*"]) {
      const r = checkSequence("AC" + bad + "GT");
      expect(r.ok).toBe(false);
      if (!r.ok && r.problem.kind === "invalid_base") expect(r.problem.position).toBe(3);
    }
  });

  it("names an invisible character by code point", () => {
    expect(showChar("\u0000")).toBe("U+0000");
    expect(showChar("\u00a0")).toBe("U+00A0");
  });

  it("rejects a sequence over the length cap", () => {
    const r = checkSequence("ACGTA", 4);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.kind).toBe("too_long");
    expect(checkSequence("ACGT", 4).ok).toBe(true);
  });
});

describe("composition and FASTA", () => {
  it("counts bases and GC", () => {
    expect(composition("AACGTT")).toEqual({ A: 2, C: 1, G: 1, T: 2, length: 6, gc: 2 / 6 });
    expect(composition("").gc).toBe(0);
  });
  it("wraps FASTA at 60 bases", () => {
    const fa = toFasta("dnadb:1", "A".repeat(130));
    expect(fa.split("\n")).toEqual([">dnadb:1", "A".repeat(60), "A".repeat(60), "A".repeat(10), ""]);
  });
});
