const longDate = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

/** A date as readers expect it, identical on server and client (UTC avoids hydration drift). */
export function DateText({ date }: { date: Date }) {
  return <time dateTime={date.toISOString()}>{longDate.format(date)}</time>;
}
