import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/guards.server";
import { exportUserData } from "~/models/user.server";

/** "Download my data": a GET, since it changes nothing; the file goes to the person's own browser. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = requireUser(request, context);
  const exported = { exportedAt: new Date().toISOString(), ...(await exportUserData(user.id)) };
  return new Response(JSON.stringify(exported, null, 2), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="crowdline-${user.username}.json"`,
      "Cache-Control": "private, no-store",
    },
  });
}
