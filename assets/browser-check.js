/*
 * 江苏社保网上服务大厅: checks that must work before, and without, the app's bundle (docs/browser-support.md).
 * ES5 only, no modules: an outdated browser must be able to parse this file to be told it is outdated.
 * The notices are plain DOM inserted at the top of <body>; React hydrates around them (an <aside> where the
 * app renders none is skipped).
 */
(function () {
  "use strict";

  var ADVICE = "江苏社保网推荐使用Chrome、Firefox、Edge等主流浏览器，并启用JavaScript和Cookies功能。";

  // What the app's bundle needs. Vite builds it for Chrome/Edge 111, Firefox 114 and Safari 16.4: it holds ES2021/
  // ES2022 syntax (??=, class static blocks, private fields) that only a parser can test, and it talks to the
  // server over a WebSocket. Every check here passes well below those versions, so no supported browser is told
  // it is outdated.
  function missingFeatures() {
    var missing = [];
    if (typeof window.WebSocket !== "function") missing.push("WebSocket");
    if (typeof window.Promise !== "function" || typeof window.Promise.allSettled !== "function") missing.push("Promise.allSettled");
    if (typeof window.globalThis === "undefined") missing.push("globalThis");
    if (typeof Array.prototype.at !== "function" || typeof Object.hasOwn !== "function") missing.push("ES2022");
    try {
      new Function("class A { static #n = 1; static { A.n = A.#n; } } var o = {}; o.a ??= o?.b?.c ?? A.n; return o.a;")();
    } catch (e) {
      // A SyntaxError is an old parser. Anything else (an EvalError from a Content-Security-Policy without
      // 'unsafe-eval') says nothing about the browser.
      if (e instanceof SyntaxError) missing.push("ES2022 syntax");
    }
    return missing;
  }

  function storageProblem() {
    var probe = "jssi-storage-probe";
    try {
      // Reflex keeps its connection token in sessionStorage and settings in localStorage.
      window.sessionStorage.setItem(probe, "1");
      window.sessionStorage.removeItem(probe);
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
    } catch (e) {
      return "storage";
    }
    try {
      // The sign-in is a cookie: write one and read it back (cookieEnabled alone misses per-site blocking).
      if (navigator.cookieEnabled === false) return "cookies";
      document.cookie = probe + "=1; path=/; SameSite=Strict";
      var written = document.cookie.indexOf(probe + "=1") !== -1;
      document.cookie = probe + "=; path=/; SameSite=Strict; max-age=0";
      if (!written) return "cookies";
    } catch (e) {
      return "cookies";
    }
    return null;
  }

  function show(kind, title, lines, detail) {
    var box = document.createElement("aside");
    box.className = "browser-notice";
    box.setAttribute("role", "alert");
    box.setAttribute("data-notice", kind);
    // What failed, for whoever helps the person on the phone (visible in the page's source, not its text).
    if (detail) box.setAttribute("data-detail", detail);
    var heading = document.createElement("strong");
    heading.className = "browser-notice-title";
    heading.appendChild(document.createTextNode(title));
    box.appendChild(heading);
    for (var i = 0; i < lines.length; i++) {
      var p = document.createElement("p");
      p.appendChild(document.createTextNode(lines[i]));
      box.appendChild(p);
    }
    document.body.insertBefore(box, document.body.firstChild);
  }

  function run() {
    if (!document.body) return;
    var missing = missingFeatures();
    if (missing.length) {
      show("outdated", "您的浏览器版本过低", [
        "当前浏览器不支持网上服务大厅需要的功能，页面可能无法正常显示，业务也可能无法办理。",
        ADVICE + "请升级浏览器或改用上述浏览器的最新版本。"
      ], missing.join(", "));
    }
    var storage = storageProblem();
    if (storage) {
      show(storage, "浏览器禁用了 Cookies 或网站数据存储", [
        "登录和办理业务需要浏览器允许本网站使用 Cookies 和网站数据（本地存储）。当前无法使用，登录后也无法保持登录状态。",
        "请在浏览器设置中允许本网站使用 Cookies 和网站数据（不要使用禁止存储的模式），然后刷新本页。" + ADVICE
      ]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
