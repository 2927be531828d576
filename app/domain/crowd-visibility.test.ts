import { describe, expect, it } from "vitest";
import { crowdHiddenNote, crowdHiddenReason } from "./crowd-visibility";

describe("crowdHiddenReason", () => {
  it("shows the crowd of an ordinary question to everyone, signed in or not", () => {
    expect(crowdHiddenReason({ revealCrowd: "always", viewer: null })).toBeNull();
    expect(crowdHiddenReason({ revealCrowd: "always", viewer: { hideCrowdUntilForecast: false, hasForecast: false } })).toBeNull();
  });

  it("hides a hide-until-forecast question's crowd from visitors and from readers who have not forecast", () => {
    expect(crowdHiddenReason({ revealCrowd: "after_forecast", viewer: null })).toBe("question_hides_until_forecast");
    expect(crowdHiddenReason({ revealCrowd: "after_forecast", viewer: { hideCrowdUntilForecast: false, hasForecast: false } })).toBe(
      "question_hides_until_forecast",
    );
  });

  it("honours the reader's own preference on ordinary questions", () => {
    expect(crowdHiddenReason({ revealCrowd: "always", viewer: { hideCrowdUntilForecast: true, hasForecast: false } })).toBe("viewer_prefers_hidden");
  });

  it("shows the crowd once the viewer has forecast, whatever hid it", () => {
    for (const revealCrowd of ["always", "after_forecast"] as const) {
      expect(crowdHiddenReason({ revealCrowd, viewer: { hideCrowdUntilForecast: true, hasForecast: true } })).toBeNull();
    }
  });
});

describe("crowdHiddenNote", () => {
  it("tells a reader who hid the crowd where that setting lives", () => {
    expect(crowdHiddenNote("viewer_prefers_hidden", true)).toMatch(/Settings/);
  });

  it("tells signed-in readers and visitors what would reveal the crowd", () => {
    expect(crowdHiddenNote("question_hides_until_forecast", true)).toMatch(/once you have made your own/);
    expect(crowdHiddenNote("question_hides_until_forecast", false)).toMatch(/once they have made their own/);
  });
});
