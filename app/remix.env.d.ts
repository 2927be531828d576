/// <reference types="@remix-run/dev" />
/// <reference types="@remix-run/node" />

// Loader data types follow single fetch (dates stay Dates), matching the v3_singleFetch flag.
declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export {};
