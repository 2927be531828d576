import typography from "@tailwindcss/typography";
import type { Config } from "tailwindcss";

export default {
  content: ["./app/**/*.{ts,tsx}"],
  // Dark mode follows the reader's system setting.
  darkMode: "media",
  theme: {
    extend: {
      fontFamily: {
        serif: ["Charter", "'Bitstream Charter'", "'Sitka Text'", "Cambria", "Georgia", "serif"],
        sans: ["system-ui", "-apple-system", "'Segoe UI'", "Roboto", "'Helvetica Neue'", "Arial", "sans-serif"],
      },
      colors: {
        accent: {
          50: "#eef5ff",
          100: "#d9e8ff",
          500: "#2f6fdf",
          600: "#1f57c2",
          700: "#1b469b",
          300: "#8db5f5",
          400: "#5b91ec",
        },
      },
      maxWidth: { prose: "68ch" },
      keyframes: {
        "crowdline-progress": { "0%": { transform: "translateX(-100%)" }, "100%": { transform: "translateX(300%)" } },
      },
    },
  },
  plugins: [typography],
} satisfies Config;
