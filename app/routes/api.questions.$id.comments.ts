import type { LoaderFunctionArgs } from "@remix-run/node";
import { getUser } from "~/auth/guards.server";
import { discussionViewerFor, loadCommentsSince, loadDiscussionPage, parseDiscussionQuery } from "~/discussion-view.server";
import { privatePageHeaders } from "~/http-cache";

const notFound = (message: string) => Response.json({ error: { code: "not_found", message } }, { status: 404 });

/**
 * The discussion as JSON, for "Show more" (`?after=<top-level comment id>`, with the page's
 * `sort` and `scenario`) and for catching up after the socket (re)connects
 * (`?since=<newest comment id the page has>`; `since=` alone: every comment, oldest first).
 * Never shared-cached: it is asked for exactly when the page suspects it has missed something.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const looking = await discussionViewerFor(params.id ?? "", getUser(context));
  if (!looking) return notFound("No such question");
  const url = new URL(request.url);
  if (url.searchParams.has("since")) {
    const since = await loadCommentsSince(looking.question.id, url.searchParams.get("since") || null, looking.options);
    if (!since) return notFound("That comment is not part of this question's discussion; reload the page");
    return Response.json(since, { headers: privatePageHeaders });
  }
  const query = parseDiscussionQuery(url.searchParams, looking.question.scenarios.map((scenario) => scenario.id));
  return Response.json(await loadDiscussionPage(looking.question.id, query, looking.options), { headers: privatePageHeaders });
}
