import { describe, expect, it } from "vitest";
import { formatBytes } from "../src/components/ImportPage";

describe("formatBytes", () => {
  it("uses B, KiB, MiB and GiB", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024)).toBe("1.0 KiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.00 GiB");
  });
});
