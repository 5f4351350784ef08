// What every browser test of the UI shares: its environment, a headless
// Chromium from playwright-core, and a page on which a script error or a
// blocked resource fails the test.
//
// Environment: DAGRUN_UI_URL (the server), DAGRUN_CHROMIUM (the browser),
// DAGRUN_UI_NODE_MODULES (the build's web/ui/node_modules, where
// playwright-core is), DAGRUN_UI_OUT (screenshots go there).
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";

export const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

export const base = env("DAGRUN_UI_URL").replace(/\/$/, "");
export const step = (text) => console.log(`ui_test: ${text}`);

// Runs test(page, shot) in a fresh browser, which is closed whatever happens.
export async function withPage(test) {
  const require = createRequire(path.join(env("DAGRUN_UI_NODE_MODULES"), "noop.js"));
  const { chromium } = require("playwright-core");
  const out = env("DAGRUN_UI_OUT");
  const problems = [];
  const browser = await chromium.launch({
    executablePath: env("DAGRUN_CHROMIUM"),
    headless: true,
    // As root (CI's containers) Chromium refuses to start with its sandbox.
    args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()} (${m.location().url})`);
    });
    page.setDefaultTimeout(30000);
    const shot = async (name) => page.screenshot({ path: path.join(out, name), fullPage: true });
    await test(page, shot);
    if (problems.length) throw new Error(problems.join("\n"));
    step("ok");
  } finally {
    await browser.close();
  }
}

// Marks the document, so sameDocument() tells whether anything reloaded it.
export const markDocument = (page) => page.evaluate(() => { window.__sameDocument = true; });
export async function assertSameDocument(page) {
  if (!(await page.evaluate(() => window.__sameDocument === true))) throw new Error("the page was reloaded");
}
