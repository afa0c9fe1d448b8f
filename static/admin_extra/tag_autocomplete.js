// Tag type-ahead for the article form (articles.admin.TagAutocompleteWidget): select2, bundled
// with the Django admin, over ArticleAdmin.tag_autocomplete_view. Existing tags are suggested;
// a new name is added with Enter or a comma and created when the article is saved.
"use strict";
{
  const $ = django.jQuery;

  function init(select) {
    $(select).select2({
      tags: true,
      tokenSeparators: [","],
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
        return term ? { id: term, text: term, newTag: true } : null
      },
    })
  }

  $(function () {
    $("select[data-tag-autocomplete]").not("[name*=__prefix__]").each((_, select) => init(select))
  })
}
