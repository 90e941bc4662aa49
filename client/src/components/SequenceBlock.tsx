import { useLineWidth } from "../useNarrow";

/**
 * A sequence wrapped into lines with a position ruler: each line starts
 * with the 1-based position of its first base, and bases are grouped by
 * ten so a position can be counted by eye.
 */
export function SequenceBlock({ sequence, label }: { sequence: string; label: string }) {
  const width = useLineWidth();
  const lines: { start: number; groups: string[] }[] = [];
  for (let i = 0; i < sequence.length; i += width) {
    const line = sequence.slice(i, i + width);
    const groups: string[] = [];
    for (let g = 0; g < line.length; g += 10) groups.push(line.slice(g, g + 10));
    lines.push({ start: i + 1, groups });
  }
  const pad = String(sequence.length).length;
  return (
    <div className="seqblock" role="region" aria-label={label} tabIndex={0}>
      <div className="seq-ruler" aria-hidden="true">
        <span className="pos">{"".padStart(pad)}</span>
        {Array.from({ length: Math.ceil(width / 10) }, (_, g) => (
          <span key={g} className="grp">
            {String((g + 1) * 10).padStart(10)}
          </span>
        ))}
      </div>
      {lines.map((l) => (
        <div key={l.start} className="seq-line">
          <span className="pos">{String(l.start).padStart(pad)}</span>
          {l.groups.map((g, n) => (
            <span key={n} className="grp">
              {g}
            </span>
          ))}
        </div>
      ))}
    </div>
  );
}
