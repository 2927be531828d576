import { parseBoundedForm } from "~/forms/bounded-form";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { ROLES, RoleChangeSchema } from "~/auth/account-forms";
import { requireRole } from "~/auth/guards.server";
import { DateText } from "~/components/DateText";
import { readFormData } from "~/forms/read-form-data.server";
import { headersFromLoader } from "~/http-cache";
import { LastAdminError, listUsers, setUserRole } from "~/models/user.server";

// The loader says `private, no-store`; without this export Remix would drop it.
export const headers = headersFromLoader;

export const meta: MetaFunction = () => [{ title: "Users — Crowdline admin" }];

const PAGE_SIZE = 50;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const admin = requireRole(request, context, "admin");
  const url = new URL(request.url);
  const search = (url.searchParams.get("q") ?? "").trim().slice(0, 100);
  const page = Math.max(1, Math.min(10_000, Number.parseInt(url.searchParams.get("page") ?? "1", 10) || 1));
  const { users, total } = await listUsers({ search, take: PAGE_SIZE, skip: (page - 1) * PAGE_SIZE });
  return data(
    { adminId: admin.id, users, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), search },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  requireRole(request, context, "admin");
  const submission = parseBoundedForm(await readFormData(request), { schema: RoleChangeSchema });
  if (submission.status !== "success") {
    return data({ ok: false as const, message: Object.values(submission.error ?? {}).flat()[0] ?? "Invalid request" }, { status: 422 });
  }
  try {
    const changed = await setUserRole(submission.value.userId, submission.value.role);
    if (!changed) return data({ ok: false as const, message: "That user no longer exists." }, { status: 404 });
    return { ok: true as const, message: `${changed.username} is now ${submission.value.role === "admin" ? "an" : "a"} ${submission.value.role}.` };
  } catch (error) {
    if (error instanceof LastAdminError) {
      return data({ ok: false as const, message: "You are the only admin: make someone else an admin first." }, { status: 409 });
    }
    throw error;
  }
}

export default function AdminUsersPage() {
  const { users, total, page, pages, search, adminId } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [searchParams] = useSearchParams();
  const pageHref = (target: number) => {
    const next = new URLSearchParams(searchParams);
    next.set("page", String(target));
    return `?${next}`;
  };

  return (
    <div className="mx-auto max-w-5xl px-5 py-10">
      <h1 className="font-serif text-3xl font-bold tracking-tight">Users</h1>
      <p className="mt-2 text-stone-600 dark:text-stone-300">
        Readers forecast and comment; authors also write articles and baselines; admins manage users.
      </p>

      <Form method="get" className="mt-6 flex flex-wrap items-end gap-2" role="search">
        <div>
          <label htmlFor="user-search" className="block text-sm font-medium">
            Find a user
          </label>
          <input
            id="user-search"
            name="q"
            type="search"
            defaultValue={search}
            placeholder="username or email"
            className="mt-1 rounded-md border border-stone-300 bg-white px-3 py-2 dark:border-stone-700 dark:bg-stone-900"
          />
        </div>
        <button type="submit" className="rounded-md border border-stone-300 px-4 py-2 text-sm font-medium dark:border-stone-700">
          Search
        </button>
      </Form>

      <div aria-live="polite" className="mt-4 min-h-[1.5rem] text-sm">
        {actionData && <p className={actionData.ok ? "text-emerald-700 dark:text-emerald-400" : "text-red-700 dark:text-red-400"}>{actionData.message}</p>}
      </div>

      {users.length === 0 ? (
        <p className="mt-6 rounded-lg border border-dashed border-stone-300 p-8 text-center text-stone-500 dark:border-stone-700">
          {search ? `No user matches “${search}”.` : "No users yet."}
        </p>
      ) : (
        <div className="mt-4 overflow-x-auto">
          <table className="w-full min-w-[36rem] text-left text-sm">
            <caption className="sr-only">Users and their roles</caption>
            <thead className="border-b border-stone-200 text-stone-500 dark:border-stone-800">
              <tr>
                <th scope="col" className="py-2 pr-4 font-medium">User</th>
                <th scope="col" className="py-2 pr-4 font-medium">Email</th>
                <th scope="col" className="py-2 pr-4 font-medium">Joined</th>
                <th scope="col" className="py-2 font-medium">Role</th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => {
                const saving = navigation.state !== "idle" && navigation.formData?.get("userId") === user.id;
                return (
                  <tr key={user.id} className="border-b border-stone-100 dark:border-stone-800/60">
                    <td className="py-2 pr-4">
                      <span className="font-medium">{user.username}</span>
                      {user.displayName && <span className="block text-stone-500">{user.displayName}</span>}
                    </td>
                    <td className="py-2 pr-4">{user.email}</td>
                    <td className="py-2 pr-4">
                      <DateText date={user.createdAt} />
                    </td>
                    <td className="py-2">
                      <Form method="post" className="flex items-center gap-2">
                        <input type="hidden" name="userId" value={user.id} />
                        <label htmlFor={`role-${user.id}`} className="sr-only">
                          Role of {user.username}
                        </label>
                        <select
                          id={`role-${user.id}`}
                          name="role"
                          defaultValue={user.role}
                          key={user.role}
                          className="rounded-md border border-stone-300 bg-white px-2 py-1 dark:border-stone-700 dark:bg-stone-900"
                        >
                          {ROLES.map((role) => (
                            <option key={role} value={role}>
                              {role}
                            </option>
                          ))}
                        </select>
                        <button type="submit" className="rounded-md bg-accent-600 px-3 py-1 text-white hover:bg-accent-700" aria-label={`Save role of ${user.username}`}>
                          {saving ? "Saving…" : "Save"}
                        </button>
                        {user.id === adminId && <span className="text-xs text-stone-500">(you)</span>}
                      </Form>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <nav aria-label="Pages" className="mt-6 flex items-center justify-between text-sm text-stone-600 dark:text-stone-300">
        <span>
          {total} user{total === 1 ? "" : "s"} · page {page} of {pages}
        </span>
        <span className="flex gap-3">
          {page > 1 && <Link to={pageHref(page - 1)}>← Previous</Link>}
          {page < pages && <Link to={pageHref(page + 1)}>Next →</Link>}
        </span>
      </nav>
    </div>
  );
}
