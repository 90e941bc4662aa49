/*
 * DNA input as the server accepts it (docs/api.md, "Sequences"): 1 to
 * MAX_SEQUENCE_LENGTH characters from A, C, G, T in either case, stored
 * upper-case. Browsers get pasted text, so cleanSequence first removes what
 * a person copies along with the bases and the server would refuse: a
 * leading FASTA header line, whitespace and line breaks. Everything else
 * (N, U, digits, punctuation) is reported, never silently dropped.
 */

/** The server's default max_sequence_length. */
export const MAX_SEQUENCE_LENGTH = 1_000_000;

/**
 * The bases a person meant: without a leading FASTA header line (the
 * first non-blank line, when it starts with ">"), without any whitespace,
 * upper-case.
 */
export function cleanSequence(raw: string): string {
  let text = raw.replace(/^\s+/, "");
  if (text.startsWith(">")) {
    const eol = text.search(/[\r\n]/);
    text = eol < 0 ? "" : text.slice(eol + 1);
  }
  return text.replace(/\s+/g, "").toUpperCase();
}

export type SequenceProblem =
  | { kind: "empty"; message: string }
  | { kind: "invalid_base"; position: number; char: string; message: string }
  | { kind: "too_long"; length: number; maxLength: number; message: string };

export type SequenceCheck =
  | { ok: true; sequence: string }
  | { ok: false; sequence: string; problem: SequenceProblem };

/** A character as people can read it in a message, e.g. 'N' or U+00A0. */
export function showChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  if (cp < 0x21 || (cp >= 0x7f && cp <= 0xa0) || cp === 0xad) {
    return "U+" + cp.toString(16).toUpperCase().padStart(4, "0");
  }
  return `'${c}'`;
}

/**
 * Cleans `raw` and checks it with the server's rules. The position of an
 * invalid base is 1-based in the cleaned sequence (the header and
 * whitespace removed), which is what the server would report for the
 * same bases.
 */
export function checkSequence(raw: string, maxLength: number = MAX_SEQUENCE_LENGTH): SequenceCheck {
  const sequence = cleanSequence(raw);
  if (sequence.length === 0) {
    return { ok: false, sequence, problem: { kind: "empty", message: "Enter at least one base (A, C, G or T)." } };
  }
  const bad = sequence.search(/[^ACGT]/);
  if (bad >= 0) {
    const char = String.fromCodePoint(sequence.codePointAt(bad) ?? 0);
    const position = bad + 1;
    return {
      ok: false,
      sequence,
      problem: {
        kind: "invalid_base",
        position,
        char,
        message: `${showChar(char)} at position ${position} is not one of A, C, G, T.`,
      },
    };
  }
  if (sequence.length > maxLength) {
    return {
      ok: false,
      sequence,
      problem: {
        kind: "too_long",
        length: sequence.length,
        maxLength,
        message: `${sequence.length.toLocaleString("en")} bases is more than the ${maxLength.toLocaleString("en")} allowed.`,
      },
    };
  }
  return { ok: true, sequence };
}

/** Counts of each base and the GC fraction (0..1) of a clean sequence. */
export interface Composition {
  A: number;
  C: number;
  G: number;
  T: number;
  length: number;
  gc: number;
}

export function composition(seq: string): Composition {
  let a = 0;
  let c = 0;
  let g = 0;
  let t = 0;
  for (let i = 0; i < seq.length; i++) {
    switch (seq.charCodeAt(i)) {
      case 65: a++; break;
      case 67: c++; break;
      case 71: g++; break;
      case 84: t++; break;
    }
  }
  const length = seq.length;
  return { A: a, C: c, G: g, T: t, length, gc: length ? (g + c) / length : 0 };
}

/** The sequence as FASTA, wrapped at 60 bases a line. */
export function toFasta(header: string, seq: string, width = 60): string {
  const lines = [">" + header];
  for (let i = 0; i < seq.length; i += width) lines.push(seq.slice(i, i + width));
  return lines.join("\n") + "\n";
}
