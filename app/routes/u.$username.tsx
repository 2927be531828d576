import { data, redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DateText } from "~/components/DateText";
import { Panel } from "~/components/Panel";
import { toDisplayPercentages } from "~/domain/display-percentages";
import { headersFromLoader, publicPageHeaders } from "~/http-cache";
import { getPublicProfile, type ProfileForecast } from "~/models/profile.server";

export const headers = headersFromLoader;

/** A comment's excerpt on the profile, in characters, "…" included. */

export async function loader({ params, context }: LoaderFunctionArgs) {
  const requested = params.username ?? "";
  // Usernames are stored lowercased; one address per profile keeps one copy in the page cache.
  if (requested !== requested.toLowerCase()) throw redirect(`/u/${encodeURIComponent(requested.toLowerCase())}`, 301);
  const profile = await getPublicProfile(requested);
  if (!profile) throw new Response("No such user", { status: 404, statusText: "Not Found" });
  const { comments, ...rest } = profile;
  return data(
    {
      profile: {
        ...rest,
        comments: comments.map(({ body: _markdown, createdAt, ...comment }) => ({ ...comment, createdAt: new Date(createdAt) })),
      },
    },
    { headers: publicPageHeaders(context) },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  if (!data) return [{ title: "User not found — Crowdline" }];
  const { username, displayName } = data.profile;
  return [
    { title: `${displayName || username} (@${username}) — Crowdline` },
    { name: "description", content: `Forecasts and comments by ${displayName || username} on Crowdline.` },
  ];
};

const plural = (count: number, one: string, many: string) => `${count.toLocaleString("en")} ${count === 1 ? one : many}`;

/** "Open-weight lead 45 % · Coexistence 30 % · …" for scenarios, "Yes 62 %" for a binary question. */
function figuresOf(forecast: Pick<ProfileForecast, "question" | "scenarios" | "probabilities">): string {
  const percentages = toDisplayPercentages(forecast.probabilities);
  if (forecast.question.kind === "binary") return `${forecast.scenarios[0] ?? "Yes"} ${percentages[0] ?? 0} %`;
  return percentages.map((percentage, index) => `${forecast.scenarios[index] ?? `Scenario ${index + 1}`} ${percentage} %`).join(" · ");
}

const linkClass = "font-medium text-accent-700 underline decoration-accent-300 underline-offset-2 hover:decoration-accent-700 dark:text-accent-300 dark:decoration-accent-700";

export default function ProfilePage() {
  const { profile } = useLoaderData<typeof loader>();
  const name = profile.displayName || profile.username;
  const { forecasts, forecastCount, hiddenForecastCount, comments } = profile;

  return (
    <div className="mx-auto max-w-3xl space-y-8 px-5 py-10 sm:py-14">
      <header>
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <h1 className="break-words font-serif text-3xl font-bold tracking-tight sm:text-4xl">{name}</h1>
          {profile.role === "author" && (
            <span className="rounded-full bg-accent-100 px-2 py-0.5 text-xs font-semibold text-accent-700 dark:bg-stone-800 dark:text-accent-300">Author</span>
          )}
        </div>
        <p className="mt-1 text-stone-600 dark:text-stone-300">@{profile.username}</p>
        <p className="mt-2 text-sm text-stone-500 dark:text-stone-400">
          Joined <DateText date={profile.joinedAt} />
        </p>
      </header>

      <Panel
        id="forecasts"
        title="Forecasts"
        aside={forecastCount > 0 ? <span className="text-sm text-stone-500 dark:text-stone-400">{plural(forecastCount, "question", "questions")}</span> : undefined}
      >
        {forecasts.length === 0 ? (
          <p className="text-stone-600 dark:text-stone-300">{hiddenForecastCount > 0 ? "No forecasts to show." : `${name} has not forecast any question yet.`}</p>
        ) : (
          <ul className="divide-y divide-stone-200 dark:divide-stone-800" data-testid="profile-forecasts">
            {forecasts.map((forecast) => (
              <li key={forecast.id} className="py-3 first:pt-0 last:pb-0" data-testid="profile-forecast">
                <h3 className="font-serif text-lg font-semibold leading-snug">
                  <Link to={`/questions/${forecast.question.id}`} className={linkClass}>
                    {forecast.question.title}
                  </Link>
                </h3>
                <p className="mt-1 text-sm tabular-nums text-stone-700 dark:text-stone-200" data-testid="profile-forecast-figures">
                  {figuresOf(forecast)}
                </p>
                <p className="mt-1 text-xs text-stone-500 dark:text-stone-400">
                  Forecast on <DateText date={forecast.createdAt} />
                </p>
              </li>
            ))}
          </ul>
        )}
        {forecastCount > forecasts.length && (
          <p className="mt-4 text-sm text-stone-500 dark:text-stone-400">Showing the {forecasts.length} newest.</p>
        )}
        {hiddenForecastCount > 0 && (
          <p className="mt-4 text-sm text-stone-500 dark:text-stone-400" data-testid="hidden-forecasts-note">
            {plural(hiddenForecastCount, "forecast is", "forecasts are")} not shown: {hiddenForecastCount === 1 ? "its question keeps" : "their questions keep"} the crowd
            hidden until a reader has forecast.
          </p>
        )}
      </Panel>

      <Panel id="comments" title="Comments">
        {comments.length === 0 ? (
          <p className="text-stone-600 dark:text-stone-300">{name} has not commented yet.</p>
        ) : (
          <ul className="divide-y divide-stone-200 dark:divide-stone-800" data-testid="profile-comments">
            {comments.map((comment) => (
              <li key={comment.id} className="py-3 first:pt-0 last:pb-0" data-testid="profile-comment">
                <h3 className="font-serif text-lg font-semibold leading-snug">
                  <Link to={`/questions/${comment.question.id}#comment-${comment.id}`} className={linkClass}>
                    {comment.question.title}
                  </Link>
                </h3>
                <p className="mt-1 break-words text-stone-700 dark:text-stone-200">{comment.excerpt}</p>
                <p className="mt-1 flex flex-wrap gap-x-2 text-xs text-stone-500 dark:text-stone-400">
                  <span>{plural(comment.score, "point", "points")}</span>
                  {comment.movedCount > 0 && (
                    <>
                      <span aria-hidden="true">·</span>
                      <span>moved {plural(comment.movedCount, "reader", "readers")}</span>
                    </>
                  )}
                  <span aria-hidden="true">·</span>
                  <DateText date={comment.createdAt} />
                </p>
              </li>
            ))}
          </ul>
        )}
      </Panel>
    </div>
  );
}
