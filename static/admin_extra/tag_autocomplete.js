// Tag type-ahead for the article form (articles.admin.TagAutocompleteWidget): select2, bundled
// with the Django admin, over ArticleAdmin.tag_autocomplete_view. Existing tags come first and
// Enter picks the highlighted one, so a typed fragment ("to") never becomes a tag by accident.
// A new tag is only the explicit last option "Create tag “…”", offered when no tag has that
// name and the name is long enough (the server refuses shorter new tags too).
"use strict";
{
  const $ = django.jQuery;

  function init(select) {
    const minLength = Number(select.dataset.newTagMinLength || "3")
    $(select).select2({
      tags: true,
      width: "100%",
      placeholder: select.dataset.placeholder || "",
      ajax: {
        url: select.dataset.autocompleteUrl,
        dataType: "json",
        delay: 200,
        data: (params) => ({ term: params.term || "", page: params.page || 1 }),
      },
      createTag(params) {
        const term = (params.term || "").trim().replace(/\s+/g, " ")
        if (term.length < minLength) return null
        return { id: term, text: `Create tag “${term}”`, name: term, newTag: true }
      },
      // After the existing suggestions, never before them: the first (highlighted) option is a real tag.
      insertTag(data, tag) {
        data.push(tag)
      },
      templateSelection: (item) => item.name || item.text,
    })
  }

  $(function () {
    $("select[data-tag-autocomplete]").not("[name*=__prefix__]").each((_, select) => init(select))
  })
}
