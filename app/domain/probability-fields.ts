// The probability form's field names, apart from the zod schemas in forecast.ts so that the inputs
// component can name its fields without shipping zod to every page that shows a forecast form.

export const PROBABILITY_FIELD_PREFIX = "p_";
/** Where errors about the whole vector (the sum, a foreign scenario) are reported. */
export const WHOLE_VECTOR_ERROR_PATH = "probabilities";

export const probabilityFieldName = (scenarioId: string) => `${PROBABILITY_FIELD_PREFIX}${scenarioId}`;

// Digits, at most one decimal point, an optional minus (so that "-5" is told it is negative) and
// the spaces a paste brings. Number() reads far more — "0x32", "5e1", "\n50", "Infinity" — none of
// which a person typing a percentage means.
const PLAIN_DECIMAL = /^ *(-?(?:\d{1,20}(?:\.\d{0,20})?|\.\d{1,20})) *$/;

/** A typed percentage as a number; NaN for anything that is not a plain decimal number, undefined when empty. */
export function parsePercentText(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const match = PLAIN_DECIMAL.exec(text);
  return match ? Number(match[1]) : Number.NaN;
}
