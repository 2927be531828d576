import { getDb } from "~/db.server";
import type { Role } from "~/auth/account-forms";
import { forgetCachedSessionsOf, sessionUserSelect, toSessionUser, type SessionUser } from "./session.server";
import { forgetSharedDiscussions } from "./comment.server";

export class AccountConflictError extends Error {
  constructor(readonly field: "username" | "email") {
    super(`${field} already taken`);
  }
}

function uniqueViolationField(error: unknown): "username" | "email" | "unknown" | null {
  if (!(error instanceof Error) || (error as { code?: string }).code !== "P2002") return null;
  // Adapters name the index differently (a field list, or an index name like User_email_key).
  // Only `meta` is read: the message quotes the calling source code, which may mention any field.
  const detail = JSON.stringify((error as { meta?: unknown }).meta ?? {});
  if (/email/i.test(detail)) return "email";
  if (/username/i.test(detail)) return "username";
  return "unknown";
}

/**
 * Creates an account. Two sign-ups racing for one name both pass the form's checks; the unique
 * index decides, and the loser gets AccountConflictError rather than a 500.
 */
export async function createUser(input: { username: string; email: string; passwordHash: string; role?: Role }): Promise<SessionUser> {
  try {
    const user = await getDb().user.create({
      data: { username: input.username, email: input.email, passwordHash: input.passwordHash, role: input.role ?? "reader" },
      select: sessionUserSelect,
    });
    return toSessionUser(user);
  } catch (error) {
    const field = uniqueViolationField(error);
    if (field === null) throw error;
    if (field !== "unknown") throw new AccountConflictError(field);
    const byName = await getDb().user.findUnique({ where: { username: input.username }, select: { id: true } });
    throw new AccountConflictError(byName ? "username" : "email");
  }
}

export async function findTakenAccountField(username: string, email: string): Promise<"username" | "email" | null> {
  const taken = await getDb().user.findMany({ where: { OR: [{ username }, { email }] }, select: { username: true } });
  if (taken.length === 0) return null;
  return taken.some((user) => user.username === username) ? "username" : "email";
}

/** The account a login names, by username or email; deleted accounts do not exist. */
export async function findLoginCandidate(identifier: string): Promise<{ id: string; passwordHash: string } | null> {
  return getDb().user.findFirst({
    where: { deletedAt: null, OR: [{ username: identifier }, { email: identifier }] },
    select: { id: true, passwordHash: true },
  });
}

export async function getPasswordHash(userId: string): Promise<string | null> {
  const user = await getDb().user.findFirst({ where: { id: userId, deletedAt: null }, select: { passwordHash: true } });
  return user?.passwordHash ?? null;
}

export async function updateDisplayName(userId: string, displayName: string | null): Promise<void> {
  await getDb().user.update({ where: { id: userId }, data: { displayName } });
  forgetCachedSessionsOf(userId);
  // The name shows on every comment they wrote, in pages shared between readers.
  forgetSharedDiscussions();
}

export async function updatePreferences(userId: string, preferences: { hideCrowdUntilForecast: boolean }): Promise<void> {
  await getDb().user.update({ where: { id: userId }, data: preferences });
  forgetCachedSessionsOf(userId);
}

/** Stores a new password hash and ends every session but `keepSessionId`, in one transaction. */
export async function replacePassword(userId: string, passwordHash: string, keepSessionId: string): Promise<number> {
  const [, ended] = await getDb().$transaction([
    getDb().user.update({ where: { id: userId }, data: { passwordHash } }),
    getDb().session.deleteMany({ where: { userId, id: { not: keepSessionId } } }),
  ]);
  forgetCachedSessionsOf(userId);
  return ended.count;
}

/**
 * Deletes an account the way docs/SECURITY.md promises: the person's name, email and password
 * go; their forecasts stay in the crowd's history without a name; the row stays as "[deleted]"
 * so that articles and (later) comments that point at it still render.
 */
export async function deleteAccount(userId: string, now = new Date()): Promise<void> {
  const tombstone = `deleted_${crypto.randomUUID().replaceAll("-", "")}`;
  await getDb().$transaction([
    getDb().forecast.updateMany({ where: { userId }, data: { userId: null } }),
    getDb().session.deleteMany({ where: { userId } }),
    getDb().user.update({
      where: { id: userId },
      data: {
        username: tombstone,
        email: `${tombstone}@deleted.invalid`,
        displayName: null,
        passwordHash: "!",
        hideCrowdUntilForecast: false,
        deletedAt: now,
      },
    }),
  ]);
  forgetCachedSessionsOf(userId);
  forgetSharedDiscussions();
}

export interface UserListItem {
  id: string;
  username: string;
  email: string;
  displayName: string | null;
  role: Role;
  createdAt: Date;
}

export async function listUsers(options: { search?: string; take: number; skip: number }): Promise<{ users: UserListItem[]; total: number }> {
  const search = options.search?.toLowerCase();
  const where = { deletedAt: null, ...(search ? { OR: [{ username: { contains: search } }, { email: { contains: search } }] } : {}) };
  const [rows, total] = await Promise.all([
    getDb().user.findMany({
      where,
      orderBy: { createdAt: "asc" },
      take: options.take,
      skip: options.skip,
      select: { id: true, username: true, email: true, displayName: true, role: true, createdAt: true },
    }),
    getDb().user.count({ where }),
  ]);
  return { users: rows.map((row) => ({ ...row, role: toSessionUser({ ...row, hideCrowdUntilForecast: false }).role })), total };
}

export class LastAdminError extends Error {
  constructor() {
    super("The site needs at least one admin");
  }
}

/** Changes a role; refuses to demote the last admin, which would lock everyone out of /admin. */
export async function setUserRole(userId: string, role: Role): Promise<{ username: string } | null> {
  const changed = await getDb().$transaction(async (tx) => {
    const user = await tx.user.findFirst({ where: { id: userId, deletedAt: null }, select: { role: true, username: true } });
    if (!user) return null;
    if (user.role === "admin" && role !== "admin") {
      const admins = await tx.user.count({ where: { role: "admin", deletedAt: null } });
      if (admins <= 1) throw new LastAdminError();
    }
    await tx.user.update({ where: { id: userId }, data: { role } });
    return { username: user.username };
  });
  forgetCachedSessionsOf(userId);
  return changed;
}

/** Everything we hold about a person, for "Download my data". */
export async function exportUserData(userId: string) {
  const user = await getDb().user.findUniqueOrThrow({
    where: { id: userId },
    select: {
      ...sessionUserSelect,
      createdAt: true,
      sessions: { select: { createdAt: true, lastSeenAt: true, expiresAt: true }, orderBy: { createdAt: "asc" } },
      forecasts: {
        orderBy: { createdAt: "asc" },
        select: {
          createdAt: true,
          supersededAt: true,
          withdrawnAt: true,
          probabilities: true,
          rationale: true,
          question: { select: { id: true, title: true, scenarios: { orderBy: { position: "asc" }, select: { title: true } } } },
        },
      },
      baselineRevisions: {
        orderBy: { createdAt: "asc" },
        select: { createdAt: true, note: true, probabilities: true, question: { select: { id: true, title: true } } },
      },
      comments: {
        orderBy: { createdAt: "asc" },
        select: {
          id: true,
          parentId: true,
          body: true,
          createdAt: true,
          editedAt: true,
          deletedAt: true,
          hiddenAt: true,
          hiddenReason: true,
          stance: true,
          scenario: { select: { title: true } },
          question: { select: { id: true, title: true } },
          revisions: { orderBy: { createdAt: "asc" }, select: { body: true, createdAt: true } },
        },
      },
      commentVotes: { select: { commentId: true, value: true, updatedAt: true } },
      commentCredits: { select: { commentId: true, forecastId: true, createdAt: true } },
      commentReports: { select: { commentId: true, reason: true, createdAt: true } },
    },
  });
  const { sessions, forecasts, baselineRevisions, comments, commentVotes, commentCredits, commentReports, hideCrowdUntilForecast, ...account } = user;
  return {
    account: { ...account, preferences: { hideCrowdUntilForecast } },
    sessions,
    forecasts: forecasts.map(({ question, probabilities, ...forecast }) => {
      const values = JSON.parse(probabilities) as number[];
      return {
        ...forecast,
        question: { id: question.id, title: question.title },
        probabilities: Object.fromEntries(question.scenarios.map((scenario, index) => [scenario.title, values[index]])),
      };
    }),
    baselineRevisions: baselineRevisions.map(({ probabilities, ...revision }) => ({
      ...revision,
      probabilities: JSON.parse(probabilities) as number[],
    })),
    comments: comments.map(({ scenario, revisions, ...comment }) => ({ ...comment, scenario: scenario?.title ?? null, earlierVersions: revisions })),
    commentVotes,
    commentCredits,
    commentReports,
  };
}
