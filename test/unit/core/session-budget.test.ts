import { LAMBDA_MAX_MS, sessionWorkMs } from '../../../src/core/session-budget';

describe('sessionWorkMs', () => {
  it('keeps a tenth of the time left back, within 20 s and the given maximum', () => {
    expect(sessionWorkMs(900_000, 60_000)).toBe(840_000); // a tenth (90 s) capped at 60 s
    expect(sessionWorkMs(900_000, 90_000)).toBe(810_000); // a tenth, 90 s
    expect(sessionWorkMs(300_000, 60_000)).toBe(270_000); // a tenth, 30 s
    expect(sessionWorkMs(100_000, 60_000)).toBe(80_000); // at least 20 s
  });

  it("takes Lambda's 15 minutes when the context does not say", () => {
    expect(sessionWorkMs(undefined, 60_000)).toBe(sessionWorkMs(LAMBDA_MAX_MS, 60_000));
  });

  it('never gives less than a second, even with almost no time left', () => {
    expect(sessionWorkMs(5_000, 60_000)).toBe(1000);
    expect(sessionWorkMs(0, 60_000)).toBe(1000);
  });
});
