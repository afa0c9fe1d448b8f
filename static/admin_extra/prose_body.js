// Starts django-prose-editor on the article body ("newsroom" preset, see articles/admin.py).
//
// Same as the package's configurable.js, with one difference: Tiptap is told not to inject
// its base CSS as an inline <style> element, which the Content Security Policy would block
// (style-src has no 'unsafe-inline'). Those rules are in prose_body.css instead.
import * as editorModule from "django-prose-editor/editor"

const ATTRIBUTE = "data-django-prose-editor-newsroom"
const { Editor, crel, initializeEditors } = editorModule

function actuallyEmpty(html) {
  return /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html
}

function createEditor(textarea) {
  if (textarea.closest(".prose-editor")) return null
  const config = JSON.parse(textarea.getAttribute(ATTRIBUTE) || "{}")
  const extensions = []
  for (const [name, options] of Object.entries(config.extensions || {})) {
    const extension = editorModule[name]
    if (!extension) {
      console.warn(`prose editor: unknown extension ${name}`)
      continue
    }
    extensions.push(typeof options === "object" ? extension.configure(options) : extension)
  }
  const disabled = textarea.hasAttribute("disabled")
  const element = crel("div", { className: `prose-editor ${disabled ? "disabled" : ""}` })
  textarea.before(element)
  element.append(textarea)
  const editor = new Editor({
    element,
    editable: !disabled,
    extensions,
    content: textarea.value,
    injectCSS: false,
    onUpdate({ editor }) {
      textarea.value = actuallyEmpty(editor.getHTML())
      textarea.dispatchEvent(new Event("input", { bubbles: true }))
    },
    onDestroy() {
      element.before(textarea)
      element.remove()
    },
  })
  // The autosave's restore (article_desk.js) puts a working copy back into the editor.
  textarea.addEventListener("newsroom:set-content", (event) => {
    editor.commands.setContent(event.detail || "")
    textarea.value = actuallyEmpty(editor.getHTML())
  })
  return editor
}

initializeEditors(createEditor, `[${ATTRIBUTE}]`)
