// Article form: swap the lead-photo preview as soon as another photo is picked in the
// autocomplete (select2 fires jQuery "change" events, hence django.jQuery).
"use strict";
{
  window.addEventListener("load", () => {
    const preview = document.querySelector("[data-lead-photo-preview]")
    const select = document.getElementById("id_lead_photo")
    if (!preview || !select || !window.django || !django.jQuery) return
    const img = preview.querySelector("img")
    django.jQuery(select).on("change", () => {
      const id = select.value
      if (!id) {
        img.hidden = true
        img.removeAttribute("src")
        return
      }
      img.src = preview.dataset.thumbnailUrl.replace("/0/", `/${encodeURIComponent(id)}/`)
      img.hidden = false
    })
  })
}
