// The probability form's field names, apart from the zod schemas in forecast.ts so that the inputs
// component can name its fields without shipping zod to every page that shows a forecast form.

export const PROBABILITY_FIELD_PREFIX = "p_";
/** Where errors about the whole vector (the sum, a foreign scenario) are reported. */
export const WHOLE_VECTOR_ERROR_PATH = "probabilities";

export const probabilityFieldName = (scenarioId: string) => `${PROBABILITY_FIELD_PREFIX}${scenarioId}`;
