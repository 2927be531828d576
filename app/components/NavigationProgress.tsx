import { useNavigation } from "@remix-run/react";

/** A thin bar at the top while the next page loads, so a slow network never looks like a dead click. */
export function NavigationProgress() {
  const navigation = useNavigation();
  if (navigation.state === "idle") return null;
  return (
    <div role="progressbar" aria-label="Loading page" className="fixed inset-x-0 top-0 z-50 h-0.5 overflow-hidden bg-accent-100 dark:bg-stone-800">
      <div className="h-full w-1/3 bg-accent-600 motion-safe:animate-[crowdline-progress_1s_ease-in-out_infinite] dark:bg-accent-400" />
    </div>
  );
}
