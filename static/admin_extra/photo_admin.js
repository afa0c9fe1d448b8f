// Photo form: click the subject in the picture to set the focal point (focal_x/focal_y, 0..1).
// The marker is positioned through the CSSOM (element.style), which the CSP allows.
"use strict";
{
  const clamp = (value) => Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0.5))

  function setup(box) {
    const img = box.querySelector("img")
    const marker = box.querySelector(".nr-focal__marker")
    const fx = document.getElementById("id_focal_x")
    const fy = document.getElementById("id_focal_y")
    if (!img || !marker || !fx || !fy) return

    const place = () => {
      marker.style.left = `${clamp(parseFloat(fx.value)) * 100}%`
      marker.style.top = `${clamp(parseFloat(fy.value)) * 100}%`
      marker.hidden = false
    }
    img.addEventListener("click", (event) => {
      const rect = img.getBoundingClientRect()
      fx.value = clamp((event.clientX - rect.left) / rect.width).toFixed(3)
      fy.value = clamp((event.clientY - rect.top) / rect.height).toFixed(3)
      fx.dispatchEvent(new Event("change", { bubbles: true }))
      place()
    })
    fx.addEventListener("input", place)
    fy.addEventListener("input", place)
    place()
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-focal-point]").forEach(setup)
  })
}
