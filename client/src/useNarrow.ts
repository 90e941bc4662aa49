import { useSyncExternalStore } from "react";

const QUERY = "(max-width: 640px)";

/** True on a narrow screen (phones): sequence views wrap at fewer bases a line. */
export function useNarrow(): boolean {
  return useSyncExternalStore(
    (cb) => {
      const mq = window.matchMedia(QUERY);
      mq.addEventListener("change", cb);
      return () => mq.removeEventListener("change", cb);
    },
    () => window.matchMedia(QUERY).matches,
  );
}

/** Bases per line in wrapped sequence views. */
export function useLineWidth(): number {
  return useNarrow() ? 20 : 60;
}
