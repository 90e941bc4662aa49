import { useMemo } from "react";
import { AlignmentTooLarge, align, describeEdits, type Alignment, type Op } from "../align";
import { useLineWidth } from "../useNarrow";

/** The marker under each column, so the view reads without colour. */
const MARK: Record<Op, string> = { match: "|", sub: "x", ins: "+", del: "-" };
const WORD: Record<Op, string> = {
  match: "same",
  sub: "substitution",
  ins: "insertion (base only in the match)",
  del: "deletion (base only in the query)",
};

/**
 * The query aligned against one match: the edit script in words, then
 * wrapped blocks of query row, marker row and match row. Numbers at both
 * ends of a line are 1-based positions in the query (top) and the match
 * (bottom) of the first and last base on that line.
 */
export function AlignmentView({ query, match, distance }: { query: string; match: string; distance: number }) {
  const width = useLineWidth();
  const result = useMemo((): Alignment | Error => {
    try {
      return align(query, match, distance);
    } catch (e) {
      if (e instanceof AlignmentTooLarge) return e;
      throw e;
    }
  }, [query, match, distance]);

  if (result instanceof Error) return <p className="muted">{result.message}</p>;
  const al = result;
  const blocks: number[] = [];
  for (let c = 0; c < al.ops.length; c += width) blocks.push(c);
  const pad = Math.max(String(query.length).length, String(match.length).length);

  return (
    <div className="align">
      <p className="align-script">{describeEdits(al)}</p>
      <ul className="legend" aria-label="Legend">
        {(["match", "sub", "ins", "del"] as const).map((op) => (
          <li key={op}>
            <span className={`col op-${op}`} aria-hidden="true">
              {MARK[op]}
            </span>{" "}
            {WORD[op]}
          </li>
        ))}
      </ul>
      <div className="align-rows" tabIndex={0} role="region" aria-label="Alignment of query and match">
        {blocks.map((start) => {
          const end = Math.min(start + width, al.ops.length);
          const cols = al.ops.slice(start, end);
          const qFirst = firstPos(al.queryPos, al.ops, start, end, "ins");
          const qLast = al.queryPos[end - 1] ?? 0;
          const mFirst = firstPos(al.matchPos, al.ops, start, end, "del");
          const mLast = al.matchPos[end - 1] ?? 0;
          return (
            <div className="align-block" key={start}>
              <div className="align-line">
                <span className="lbl">Query</span>
                <span className="pos">{String(qFirst).padStart(pad)}</span>
                <span className="cols">
                  {cols.map((op, i) => (
                    <span key={i} className={`col op-${op}`}>
                      {al.queryRow[start + i]}
                    </span>
                  ))}
                </span>
                <span className="pos">{qLast}</span>
              </div>
              <div className="align-line marks" aria-hidden="true">
                <span className="lbl" />
                <span className="pos">{"".padStart(pad)}</span>
                <span className="cols">
                  {cols.map((op, i) => (
                    <span key={i} className={`col mark op-${op}`}>
                      {MARK[op]}
                    </span>
                  ))}
                </span>
              </div>
              <div className="align-line">
                <span className="lbl">Match</span>
                <span className="pos">{String(mFirst).padStart(pad)}</span>
                <span className="cols">
                  {cols.map((op, i) => (
                    <span key={i} className={`col op-${op}`}>
                      {al.matchRow[start + i]}
                    </span>
                  ))}
                </span>
                <span className="pos">{mLast}</span>
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}

/**
 * The position of the first real base of a row in columns start..end:
 * a gap column (op `gapOp` for that row) carries the position before it,
 * so the first base is one further.
 */
function firstPos(pos: number[], ops: Op[], start: number, end: number, gapOp: Op): number {
  for (let c = start; c < end; c++) if (ops[c] !== gapOp) return pos[c] ?? 0;
  return (pos[end - 1] ?? 0) + 1;
}
