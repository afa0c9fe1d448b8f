// The editors' desk on the article form (see articles/admin_desk.py and includes/desk.html):
//
// * Autosave: the form's working copy is kept in localStorage (one key per user and article,
//   "add" for a new one) on every input, debounced, so a closed tab, a crash or an expired
//   session loses nothing. Opening the form again with a stored copy that differs from what
//   was loaded offers "Restore unsaved changes from HH:MM" / "Discard". The copy is dropped
//   once a save succeeded (the next page shows Django's success message).
// * Leaving the page with unsaved changes asks first (beforeunload).
// * Presence: a heartbeat POST every N seconds says "I am editing"; the answer lists who
//   else is, shown in the banner. Leaving the page tells the server at once.
"use strict";
{
  const PENDING = "newsroom:autosave:pending"
  const DEBOUNCE_MS = 400

  // After a submit: a success message means it saved; an error note means the form is back with the text.
  function settlePendingSave() {
    const pending = sessionStorage.getItem(PENDING)
    if (!pending) return
    sessionStorage.removeItem(PENDING)
    if (!document.querySelector(".errornote") && document.querySelector(".messagelist .success")) {
      localStorage.removeItem(pending)
    }
  }

  function tokyoTime(ms) {
    return new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Tokyo",
    }).format(new Date(ms))
  }

  // The article's own fields (inline rows have a "-" in their names and are not autosaved).
  function fields(form) {
    return Array.from(form.elements).filter((el) =>
      el.name && !el.name.includes("-") && el.name !== "csrfmiddlewaretoken" &&
      !["submit", "button", "file", "reset"].includes(el.type) &&
      (el.type !== "hidden" || el.name === "revision_base"))
  }

  function collect(form) {
    const values = {}
    for (const el of fields(form)) {
      if (el.name === "revision_base") continue
      if (el.tagName === "SELECT") {
        values[el.name] = Array.from(el.selectedOptions).map((o) => [o.value, o.text])
      } else if (el.type === "checkbox" || el.type === "radio") {
        if (el.type === "radio" && !el.checked) continue
        values[el.name] = el.type === "checkbox" ? el.checked : el.value
      } else {
        values[el.name] = el.value
      }
    }
    return values
  }

  function sameValues(a, b) {
    return JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort())
  }

  function apply(form, values, base) {
    for (const el of fields(form)) {
      if (el.name === "revision_base") {
        if (base !== undefined && base !== null) el.value = base
        continue
      }
      if (!(el.name in values)) continue
      const value = values[el.name]
      if (el.tagName === "SELECT") {
        const wanted = new Map(value)
        for (const option of el.options) option.selected = wanted.has(option.value)
        for (const [v, text] of wanted) {
          if (!Array.from(el.options).some((o) => o.value === v)) el.add(new Option(text, v, true, true))
        }
        if (window.django && django.jQuery) django.jQuery(el).trigger("change")
      } else if (el.type === "checkbox") {
        el.checked = Boolean(value)
      } else if (el.type === "radio") {
        el.checked = el.value === value
      } else {
        el.value = value
        // The body's rich-text editor (prose_body.js) listens for this to load the text.
        el.dispatchEvent(new CustomEvent("newsroom:set-content", { detail: value }))
      }
    }
  }

  function startAutosave(desk, form) {
    const key = desk.dataset.autosaveKey
    const banner = desk.querySelector("[data-autosave-banner]")
    const baseField = form.querySelector("input[name=revision_base]")
    let dirty = false
    let submitting = false
    let timer = null

    const store = () => {
      localStorage.setItem(key, JSON.stringify({
        savedAt: Date.now(), base: baseField ? baseField.value : null, values: collect(form),
      }))
    }
    // Only a person's edit makes the form dirty: widgets that set themselves up (the tag and
    // author selects, the body editor) fire change/input events on load that are not edits.
    let userActed = false
    for (const type of ["keydown", "pointerdown", "paste", "drop"]) {
      form.addEventListener(type, () => { userActed = true }, true)
    }
    const onEdit = (event) => {
      if (event.isTrusted) userActed = true
      if (!userActed) return
      if (event.target.name && event.target.name !== "csrfmiddlewaretoken") dirty = true
      clearTimeout(timer)
      timer = setTimeout(store, DEBOUNCE_MS)
    }
    form.addEventListener("input", onEdit)
    form.addEventListener("change", onEdit)
    if (window.django && django.jQuery) django.jQuery(form).on("change", "select", onEdit)
    form.addEventListener("submit", () => {
      clearTimeout(timer)
      store()
      submitting = true
      sessionStorage.setItem(PENDING, key)
    })
    window.addEventListener("beforeunload", (event) => {
      if (!dirty || submitting) return
      event.preventDefault()
      event.returnValue = ""
    })

    let stored = null
    try {
      stored = JSON.parse(localStorage.getItem(key) || "null")
    } catch {
      stored = null
    }
    // A form re-rendered with errors already shows what was typed: nothing to offer.
    if (!stored || !stored.values || document.querySelector(".errornote")) return
    // A read-only view of the article (a reporter's, once it is live) has nothing to restore into.
    const names = new Set(fields(form).map((el) => el.name))
    if (!Object.keys(stored.values).some((name) => names.has(name))) return
    if (sameValues(stored.values, collect(form))) {
      localStorage.removeItem(key)
      return
    }
    banner.querySelector("[data-autosave-text]").textContent =
      `Restore unsaved changes from ${tokyoTime(stored.savedAt)}?`
    banner.hidden = false
    banner.querySelector("[data-autosave-restore]").addEventListener("click", () => {
      apply(form, stored.values, stored.base)
      banner.hidden = true
      dirty = true
      store()
    })
    banner.querySelector("[data-autosave-discard]").addEventListener("click", () => {
      localStorage.removeItem(key)
      banner.hidden = true
    })
  }

  function startPresence(desk, form) {
    const url = desk.dataset.presenceUrl
    if (!url) return
    const list = desk.querySelector("[data-presence]")
    const token = form.querySelector("input[name=csrfmiddlewaretoken]")
    const body = (extra) => {
      const data = new FormData()
      data.append("csrfmiddlewaretoken", token ? token.value : "")
      for (const [k, v] of Object.entries(extra)) data.append(k, v)
      return data
    }
    const show = (editors) => {
      list.replaceChildren(...editors.map((editor) => {
        const li = document.createElement("li")
        li.className = "warning"
        li.textContent = editor.message
        return li
      }))
      list.hidden = editors.length === 0
    }
    const beat = () => {
      fetch(url, { method: "POST", body: body({}), credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : null))
        .then((answer) => { if (answer) show(answer.editors) })
        .catch(() => {})  // offline for a moment: the next beat tries again
    }
    setInterval(beat, (Number(desk.dataset.heartbeatSeconds) || 30) * 1000)
    window.addEventListener("pagehide", () => navigator.sendBeacon(url, body({ leave: "1" })))
  }

  // The admin loads this in <head>: wait for the page, and for the body editor (a module
  // script, run after the document is parsed) to have started.
  window.addEventListener("load", () => {
    settlePendingSave()
    const desk = document.querySelector("[data-desk]")
    const form = desk && desk.closest("form")
    if (!form) return
    startAutosave(desk, form)
    startPresence(desk, form)
  })
}
