// Any URL no other route claims: answered with the root error boundary's styled 404 page.
export function loader() {
  throw new Response("Not found", { status: 404 });
}

export default function NotFound() {
  return null;
}
