/**
 * Whether a viewer may see the crowd's figures for a question. A question can hide them until one
 * has forecast (so the crowd does not anchor first forecasts), and readers can ask for the same on
 * every question; either way the figures appear once the viewer has forecast.
 */
export type CrowdHiddenReason = "question_hides_until_forecast" | "viewer_prefers_hidden";

export function crowdHiddenReason(input: {
  revealCrowd: "always" | "after_forecast";
  viewer: { hideCrowdUntilForecast: boolean; hasForecast: boolean } | null;
}): CrowdHiddenReason | null {
  if (input.viewer?.hasForecast) return null;
  if (input.revealCrowd === "after_forecast") return "question_hides_until_forecast";
  if (input.viewer?.hideCrowdUntilForecast) return "viewer_prefers_hidden";
  return null;
}

/** What the page says where the crowd's figures would be. */
export function crowdHiddenNote(reason: CrowdHiddenReason, signedIn: boolean): string {
  if (reason === "viewer_prefers_hidden") return "You asked to see the crowd only after forecasting (Settings): save a forecast to see it.";
  return signedIn
    ? "The crowd’s forecast appears once you have made your own."
    : "The crowd’s forecast appears to readers once they have made their own.";
}
