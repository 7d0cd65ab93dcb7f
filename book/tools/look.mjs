// Looks at built book pages the way readers see them, in headless Chromium.
//
//   node --experimental-websocket book/tools/look.mjs OUT_DIR PAGE... \
//        [--widths 1280,1400,1920,420] [--themes light,navy] [--height 900]
//
// PAGE is a path under book/book (step1-client.html), optionally with
// #fragment: the screenshot then starts at that heading. For each page,
// width and theme it writes OUT_DIR/NAME-WIDTH-THEME.png (one screen high,
// at the fragment) and prints one line of facts to check without looking:
//
//   - clipped: listings (<pre>) whose content is wider than the listing,
//     so that some of a line is hidden or behind a scroll bar;
//   - scrolls: tables and figures wider than the page, which scroll sideways;
//   - stacked / side by side: how each .side-by-side pair is laid out;
//   - sidebar: whether mdBook's sidebar is open.
//
// Needs Node 20+ (its WebSocket, behind --experimental-websocket before 22)
// and Chromium (CHROMIUM, or /usr/bin/chromium). It talks to Chromium over
// the DevTools protocol; nothing is installed.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const bookOut = resolve(here, "..", "book");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = args[at + 1];
  args.splice(at, 2);
  return value;
};
const widths = option("--widths", "1280,1400,1920,420").split(",").map(Number);
const themes = option("--themes", "light,navy").split(",");
const height = Number(option("--height", "900"));
const [outDir, ...pages] = args;
if (!outDir || pages.length === 0) {
  console.error("usage: look.mjs OUT_DIR PAGE... [--widths W,...] [--themes T,...] [--height H]");
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), "look-"));
const chromium = spawn(process.env.CHROMIUM || "/usr/bin/chromium", [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank",
], { stdio: "ignore" });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function devtoolsUrl() {
  const file = join(profile, "DevToolsActivePort");
  for (let i = 0; i < 200; i++) {
    if (existsSync(file)) {
      const [port, path] = readFileSync(file, "utf8").split("\n");
      if (port && path) return `ws://127.0.0.1:${port}${path}`;
    }
    await sleep(50);
  }
  throw new Error("Chromium did not start");
}

function connect(url) {
  const ws = new WebSocket(url);
  let next = 1;
  const waiting = new Map();
  const listeners = [];
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.id && waiting.has(msg.id)) {
      const { ok, fail } = waiting.get(msg.id);
      waiting.delete(msg.id);
      msg.error ? fail(new Error(JSON.stringify(msg.error))) : ok(msg.result);
    } else if (msg.method) {
      for (const l of listeners) l(msg);
    }
  };
  const send = (method, params = {}, sessionId) =>
    new Promise((ok, fail) => {
      const id = next++;
      waiting.set(id, { ok, fail });
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });
  const once = (method, sessionId) =>
    new Promise((ok) => {
      const l = (msg) => {
        if (msg.method === method && msg.sessionId === sessionId) {
          listeners.splice(listeners.indexOf(l), 1);
          ok(msg.params);
        }
      };
      listeners.push(l);
    });
  return new Promise((ok) => (ws.onopen = () => ok({ send, once, close: () => ws.close() })));
}

// Runs in the page: the facts printed for each screenshot.
const FACTS = `(() => {
  const clipped = [...document.querySelectorAll('main pre')]
    .filter(p => p.scrollWidth > p.clientWidth + 1 || [...p.querySelectorAll('code')].some(c => c.scrollWidth > c.clientWidth + 1))
    .map(p => (p.textContent.trim().split('\\n')[0] || '').slice(0, 40));
  const pairs = [...document.querySelectorAll('.side-by-side')].map(pair => {
    const [a, b] = pair.children;
    return a && b && Math.abs(a.getBoundingClientRect().top - b.getBoundingClientRect().top) < 2 ? 'side' : 'stacked';
  });
  // Anything else that scrolls sideways (a wide table, a diagram on a phone).
  const scrolls = [...document.querySelectorAll('main .table-wrapper, main figure, main table')]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
  const sidebar = document.documentElement.classList.contains('sidebar-visible');
  const wide = document.documentElement.scrollWidth > window.innerWidth + 1;
  return JSON.stringify({ clipped, scrolls, pairs, sidebar, pageWiderThanWindow: wide });
})()`;

async function main() {
  const browser = await connect(await devtoolsUrl());
  for (const page of pages) {
    const [path, fragment] = page.split("#");
    const url = pathToFileURL(join(bookOut, path)).href;
    for (const theme of themes) {
      for (const width of widths) {
        const { targetId } = await browser.send("Target.createTarget", { url: "about:blank" });
        const { sessionId } = await browser.send("Target.attachToTarget", { targetId, flatten: true });
        const s = (m, p) => browser.send(m, p, sessionId);
        await s("Page.enable");
        await s("Emulation.setDeviceMetricsOverride", {
          width, height, deviceScaleFactor: 1, mobile: width < 600,
        });
        await s("Page.addScriptToEvaluateOnNewDocument", {
          source: `try { localStorage.setItem('mdbook-theme', ${JSON.stringify(theme)}); } catch (e) {}`,
        });
        const loaded = browser.once("Page.loadEventFired", sessionId);
        await s("Page.navigate", { url });
        await loaded;
        await sleep(300);
        if (fragment) {
          await s("Runtime.evaluate", {
            expression: `document.getElementById(${JSON.stringify(fragment)})?.scrollIntoView()`,
          });
          await sleep(150);
        }
        const { result } = await s("Runtime.evaluate", { expression: FACTS, returnByValue: true });
        const { data } = await s("Page.captureScreenshot", { format: "png" });
        const name = `${path.replace(/\//g, "_").replace(/\.html$/, "")}${fragment ? "-" + fragment : ""}-${width}-${theme}.png`;
        writeFileSync(join(outDir, name), Buffer.from(data, "base64"));
        console.log(`${name}: ${result.value}`);
        await browser.send("Target.closeTarget", { targetId });
      }
    }
  }
  browser.close();
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    chromium.kill();
    setTimeout(() => rmSync(profile, { recursive: true, force: true }), 500);
  });
