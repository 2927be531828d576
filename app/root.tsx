import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Link,
  Links,
  LiveReload,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  isRouteErrorResponse,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { NavigationProgress } from "~/components/NavigationProgress";
import { useNonce } from "~/components/Nonce";
import { SiteHeader } from "~/components/SiteHeader";
import stylesheet from "~/tailwind.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [
  { title: "Crowdline" },
  { name: "description", content: "Forecast and argue about the scenarios in published analyses." },
];

export async function loader({ context }: LoaderFunctionArgs) {
  const user = context.auth?.user;
  return { user: user ? { username: user.username, displayName: user.displayName, role: user.role } : null };
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  // Undefined while an error page renders without the root loader's data.
  const rootData = useRouteLoaderData<typeof loader>("root");
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="theme-color" content="#fafaf9" media="(prefers-color-scheme: light)" />
        <meta name="theme-color" content="#0c0a09" media="(prefers-color-scheme: dark)" />
        <Meta />
        <Links />
      </head>
      <body className="flex min-h-screen flex-col font-sans">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-stone-900"
        >
          Skip to content
        </a>
        <NavigationProgress />
        <SiteHeader user={rootData?.user ?? null} />
        <main id="main" className="flex-1">
          {children}
        </main>
        <footer className="border-t border-stone-200 py-8 text-center text-sm text-stone-500 dark:border-stone-800 dark:text-stone-400">
          Crowdline — forecasts are opinions, not advice.
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
        <LiveReload nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  // Our own 4xx responses carry a sentence meant for the reader; a 500's text never reaches them.
  const explanation = isRouteErrorResponse(error) && typeof error.data === "string" && status < 500 ? error.data : null;
  if (status === 404) {
    return (
      <ErrorPage
        status={status}
        title="We couldn’t find that page"
        message="The link may be old, or the article may have moved. The articles we have are listed on the front page."
      />
    );
  }
  if (status === 401 || status === 403) {
    return (
      <ErrorPage
        status={status}
        title="This page isn’t open to your account"
        message={`${explanation ?? "Your account is not allowed to do this."} If you think it should be, ask an admin.`}
      />
    );
  }
  if (status < 500) {
    return (
      <ErrorPage status={status} title="That request didn’t work" message={explanation ?? "Check what you sent and try again."} />
    );
  }
  return (
    <ErrorPage
      status={status}
      title="Something went wrong on our side"
      message="The error has been logged. Reload in a moment; if it keeps happening, come back a little later."
    />
  );
}

function ErrorPage({ status, title, message }: { status: number; title: string; message: string }) {
  return (
    <div className="mx-auto max-w-xl px-5 py-24 text-center">
      <p className="font-mono text-sm font-semibold uppercase tracking-widest text-accent-600 dark:text-accent-400">
        Error {status}
      </p>
      <h1 className="mt-3 font-serif text-3xl font-bold sm:text-4xl">{title}</h1>
      <p className="mt-4 text-stone-600 dark:text-stone-300">{message}</p>
      <Link
        to="/"
        className="mt-8 inline-block rounded-md bg-accent-600 px-4 py-2 font-medium text-white hover:bg-accent-700"
      >
        Go to the front page
      </Link>
    </div>
  );
}
