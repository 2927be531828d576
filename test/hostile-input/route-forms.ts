// What each action of the app expects: who may post to it, its intents, and one valid-looking
// submission per intent built on the seeded rows. The hostile-input cases start from these and
// break one thing at a time, so that they reach the parsing and the checks behind the guards.
import { probabilityFieldName } from "~/domain/probability-fields";
import type { RouteFile } from "./routes";

export type Role = "anonymous" | "reader" | "author" | "admin";

/** A field's value as typed, or bytes put into the body exactly as given (malformed encodings). */
export type FieldValue = string | { raw: string };
export type Field = readonly [name: string, value: FieldValue];

/** The seeded rows (and a few made for the suite) that params and templates point at. */
export interface Fixtures {
  article: { id: string; slug: string };
  /** The seeded article's scenarios question: its author session reaches its /author page. */
  scenariosQuestion: { id: string; scenarioIds: string[] };
  /** A seeded binary question that accepts forecasts. */
  binaryQuestion: { id: string; yesId: string; noId: string };
  authorUsername: string;
  readerUsername: string;
  /** A reader the admin form changes the role of. */
  targetUserId: string;
  /** A comment by someone other than the reader, on the scenarios question. */
  otherCommentId: string;
  /** The reader's own forecast on the scenarios question. */
  readerForecastId: string;
}

/** One place a route's action can be posted to, with a template per intent ("" = no intent field). */
export interface FormTarget {
  label: string;
  params: Record<string, string>;
  intents: Record<string, Field[]>;
}

export interface RouteForm {
  /** The role whose session reaches the action (anonymous: no cookie). */
  role: Role;
  targets: (fixtures: Fixtures) => FormTarget[];
}

/** Param values by name, for routes the table below does not describe (and their GET pages). */
export function paramValues(fixtures: Fixtures): Record<string, string> {
  return {
    id: fixtures.scenariosQuestion.id,
    questionId: fixtures.scenariosQuestion.id,
    articleId: fixtures.article.id,
    slug: fixtures.article.slug,
    username: fixtures.authorUsername,
    "*": "hostile-input-no-such-page",
  };
}

const percentages = (ids: string[], values: string[]): Field[] => ids.map((id, index) => [probabilityFieldName(id), values[index] ?? "0"]);

/** Splits 100 over `count` scenarios in whole numbers, as a person would type it. */
function evenPercentages(count: number): string[] {
  const share = Math.floor(100 / count);
  return Array.from({ length: count }, (_, index) => String(index === 0 ? 100 - share * (count - 1) : share));
}

const articleFields = (slug: string): Field[] => [
  ["title", "Hostile input: a headline"],
  ["slug", slug],
  ["dek", "A standfirst of one line."],
  ["summary", "A summary.\r\n\r\nIn two paragraphs."],
  ["body", "The body.\r\n\r\nSecond paragraph."],
];

const scenarioRows = (ids: string[]): Field[] =>
  ids.flatMap((id, index): Field[] => [
    [`scenarios[${index}].id`, id],
    [`scenarios[${index}].title`, `Scenario ${index + 1}`],
    [`scenarios[${index}].summary`, "What it is."],
    [`scenarios[${index}].whatHappens`, "first\r\nsecond"],
    [`scenarios[${index}].catalysts`, "a catalyst"],
    [`scenarios[${index}].timeline`, "2027"],
    [`scenarios[${index}].thesis`, "a thesis"],
  ]);

/**
 * Keyed by URL pattern. A route with an action that is missing here is still posted to (as an
 * admin, with the intents its source dispatches on and no template); the suite checks that each
 * list below covers every intent its route's source dispatches on.
 */
export const ROUTE_FORMS: Record<string, RouteForm> = {
  "/signup": {
    role: "anonymous",
    targets: () => [
      {
        label: "sign-up",
        params: {},
        intents: {
          "": [
            ["username", "hostile_signup"],
            ["email", "hostile_signup@example.com"],
            ["password", "a long enough password"],
            ["redirectTo", "/"],
          ],
        },
      },
    ],
  },
  "/login": {
    role: "anonymous",
    targets: (fixtures) => [
      {
        label: "log-in",
        params: {},
        // The reader has no password ("!"), so even an untouched template is refused.
        intents: { "": [["identifier", fixtures.readerUsername], ["password", "not the password"], ["redirectTo", "/settings"]] },
      },
    ],
  },
  "/logout": {
    role: "reader",
    targets: () => [{ label: "log-out", params: {}, intents: { "": [] } }],
  },
  "/settings": {
    role: "reader",
    targets: () => [
      {
        label: "settings",
        params: {},
        intents: {
          profile: [["intent", "profile"], ["displayName", "Hostile Reader"]],
          preferences: [["intent", "preferences"], ["hideCrowdUntilForecast", "on"]],
          password: [
            ["intent", "password"],
            ["currentPassword", "not the password"],
            ["newPassword", "a new long password"],
            ["confirmPassword", "a new long password"],
          ],
          sessions: [["intent", "sessions"], ["currentPassword", "not the password"]],
          // Never the reader's own name, so that no mutation of it deletes the account.
          delete: [["intent", "delete"], ["confirmUsername", "someone_else"]],
        },
      },
    ],
  },
  "/admin/users": {
    role: "admin",
    targets: (fixtures) => [{ label: "admin users", params: {}, intents: { "": [["userId", fixtures.targetUserId], ["role", "author"]] } }],
  },
  "/author/articles/new": {
    role: "author",
    targets: () => [{ label: "new article", params: {}, intents: { "": articleFields("hostile-input-article") } }],
  },
  "/author/articles/:articleId": {
    role: "author",
    targets: (fixtures) => [
      {
        label: "seeded article",
        params: { articleId: fixtures.article.id },
        intents: {
          article: [["intent", "article"], ...articleFields(fixtures.article.slug)],
          publish: [["intent", "publish"]],
          unpublish: [["intent", "unpublish"]],
          question: [
            ["intent", "question"],
            ["kind", "scenarios"],
            ["title", "A hostile question?"],
            ["description", "Asked by the fuzz suite."],
            ["revealCrowd", "always"],
            ["closesAt", "2028-01-31"],
            ["scenarioTitles", "One\r\nTwo\r\nThree"],
          ],
        },
      },
    ],
  },
  "/author/questions/:questionId": {
    role: "author",
    targets: (fixtures): FormTarget[] => {
      const { scenarioIds } = fixtures.scenariosQuestion;
      return [
        {
          label: "seeded scenarios question",
          params: { questionId: fixtures.scenariosQuestion.id },
          intents: {
            settings: [
              ["intent", "settings"],
              ["title", "Which way will it go?"],
              ["description", "Edited by the fuzz suite."],
              ["revealCrowd", "always"],
              ["closesAt", "2028-01-31"],
            ],
            status: [["intent", "status"], ["status", "open"]],
            baseline: [["intent", "baseline"], ...percentages(scenarioIds, evenPercentages(scenarioIds.length)), ["note", "A new reading."]],
            scenarios: [["intent", "scenarios"], ...scenarioRows(scenarioIds)],
            "add-scenario": [["intent", "add-scenario"], ["title", "A late scenario"], ["summary", "Late."]],
          },
        },
        {
          label: "seeded binary question",
          params: { questionId: fixtures.binaryQuestion.id },
          intents: {
            baseline: [["intent", "baseline"], [probabilityFieldName(fixtures.binaryQuestion.yesId), "40"], ["note", "A new reading."]],
            status: [["intent", "status"], ["status", "open"]],
          },
        },
      ];
    },
  },
  "/questions/:id": {
    role: "reader",
    targets: (fixtures): FormTarget[] => {
      const { scenarioIds } = fixtures.scenariosQuestion;
      const comment = fixtures.otherCommentId;
      return [
        {
          label: "seeded scenarios question",
          params: { id: fixtures.scenariosQuestion.id },
          intents: {
            save: [["intent", "save"], ...percentages(scenarioIds, evenPercentages(scenarioIds.length)), ["rationale", "Because."]],
            withdraw: [["intent", "withdraw"]],
            comment: [["intent", "comment"], ["body", "A hostile *comment*."], ["scenarioId", scenarioIds[0]!], ["stance", "for"]],
            "edit-comment": [["intent", "edit-comment"], ["commentId", comment], ["body", "Edited."]],
            "delete-comment": [["intent", "delete-comment"], ["commentId", comment]],
            "hide-comment": [["intent", "hide-comment"], ["commentId", comment], ["reason", "Off topic."]],
            vote: [["intent", "vote"], ["commentId", comment], ["value", "1"]],
            "report-comment": [["intent", "report-comment"], ["commentId", comment], ["reason", "Spam."]],
            "credit-comments": [["intent", "credit-comments"], ["forecastId", fixtures.readerForecastId], ["commentIds", comment]],
          },
        },
        {
          label: "seeded binary question",
          params: { id: fixtures.binaryQuestion.id },
          intents: {
            save: [["intent", "save"], [probabilityFieldName(fixtures.binaryQuestion.yesId), "50"], ["rationale", "Coin toss."]],
            withdraw: [["intent", "withdraw"]],
          },
        },
      ];
    },
  },
};

/** One route's action at one address, as the cases post to it. */
export interface ActionTarget {
  route: RouteFile;
  label: string;
  path: string;
  role: Role;
  /** null: the route has no intents. */
  intent: string | null;
  template: Field[];
}

/**
 * Every (route, address, intent) the suite posts to. Throws, naming the route, when a route has a
 * param without a value, when a declared route no longer exists, or when a route dispatches on an
 * intent its declaration lacks.
 */
export function actionTargets(routes: RouteFile[], fixtures: Fixtures, fill: (route: RouteFile, values: Record<string, string>) => string): ActionTarget[] {
  const withAction = routes.filter((route) => route.hasAction);
  const stale = Object.keys(ROUTE_FORMS).filter((pattern) => !withAction.some((route) => route.pattern === pattern));
  if (stale.length > 0) {
    throw new Error(`hostile-input: test/hostile-input/route-forms.ts describes ${stale.join(", ")}, but no route file with an action has that URL any more`);
  }
  const targets: ActionTarget[] = [];
  for (const route of withAction) {
    const form = ROUTE_FORMS[route.pattern];
    if (!form) {
      const intents = route.dispatchedIntents.length > 0 ? route.dispatchedIntents : [""];
      const path = fill(route, paramValues(fixtures));
      for (const intent of intents) {
        targets.push({ route, label: `${route.pattern} (undescribed)`, path, role: "admin", intent: intent || null, template: intent ? [["intent", intent]] : [] });
      }
      continue;
    }
    const declared = new Set(form.targets(fixtures).flatMap((target) => Object.keys(target.intents)));
    const uncovered = route.dispatchedIntents.filter((intent) => !declared.has(intent));
    if (uncovered.length > 0) {
      throw new Error(
        `hostile-input: app/routes/${route.file} dispatches on intent(s) ${uncovered.join(", ")} that test/hostile-input/route-forms.ts does not list for ${route.pattern}`,
      );
    }
    for (const target of form.targets(fixtures)) {
      const path = fill(route, { ...paramValues(fixtures), ...target.params });
      for (const [intent, template] of Object.entries(target.intents)) {
        targets.push({ route, label: `${route.pattern} ${target.label}${intent ? ` intent=${intent}` : ""}`, path, role: form.role, intent: intent || null, template });
      }
    }
  }
  return targets;
}
