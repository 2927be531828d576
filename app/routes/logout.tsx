import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { signOutAndRedirect } from "~/auth/sign-in.server";

// Logging out is a POST (the header's "Log out" button): a GET link could be triggered by any
// page embedding an image pointing here.
export async function loader() {
  return redirect("/");
}

export async function action({ context }: ActionFunctionArgs) {
  return signOutAndRedirect(context);
}
