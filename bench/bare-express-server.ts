// Baseline for the article-page bench: the cheapest route Express 4 can serve, in its own process,
// so "ours / bare" says how much of this machine's HTTP capacity the app's page keeps.
import express from "express";

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error("PORT must be set to a free port");

const app = express();
// Same as the app, so both send the same headers.
app.disable("x-powered-by");
app.get("/", (_req, res) => {
  res.send("hello");
});
// Lets the harness wait for readiness the same way it does for the real server.
app.get("/healthz", (_req, res) => {
  res.json({ ok: true });
});
app.listen(port, "127.0.0.1");
