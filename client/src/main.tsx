import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { showFlash } from "./notices";
import { handOff } from "./token";
import "./styles.css";

/**
 * A token handed over in the address (#token=...) is taken out before
 * anything renders, and again if such a link is opened in this tab later.
 */
function takeToken(): void {
  if (handOff() === "malformed") {
    showFlash({
      text: "The link carried a token that is not well-formed, so it was ignored and not stored.",
      tone: "warn",
      notOn: null,
      link: { to: "/token", label: "Paste a token" },
    });
  }
}
takeToken();
window.addEventListener("hashchange", takeToken);

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
