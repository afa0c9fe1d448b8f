"""Forms for editors: the photo upload (used by the Photo admin)."""

import os

from django import forms

from articles.models import Photo
from articles.photos import ACCEPTED_CONTENT_TYPES, FORMAT_EXTENSIONS, validate_image_upload


class PhotoImageField(forms.ImageField):
    """An image upload checked by ``articles.photos.validate_image_upload`` before Django's own checks.

    Ours run first so the editor reads the precise reason (SVG, too large, too many
    pixels, truncated, wrong format) instead of Django's generic "not a valid image".
    """

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        kind = validate_image_upload(upload)
        stem, extension = os.path.splitext(upload.name)
        if extension.lower() not in FORMAT_EXTENSIONS[kind]:
            # Store it under the extension its content really has (e.g. a PNG named .jpg).
            upload.name = f"{stem or 'photo'}{FORMAT_EXTENSIONS[kind][0]}"
        return super().to_python(upload)


class PhotoForm(forms.ModelForm):
    """Upload or edit a photo: the image, its words (alt text required) and its focal point.

    Saving it saves the Photo, whose renditions are then built once
    (``articles.services.photo_renditions_sync`` via the post_save receiver).
    """

    image = PhotoImageField(
        help_text="JPEG, PNG or WebP. Renditions for every screen size and social cards are made on save.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_CONTENT_TYPES}),
    )

    class Meta:
        model = Photo
        fields = ["image", "caption", "credit", "alt_text", "focal_x", "focal_y"]
        widgets = {
            "caption": forms.Textarea(attrs={"rows": 3}),
            "focal_x": forms.NumberInput(attrs={"min": 0, "max": 1, "step": 0.01}),
            "focal_y": forms.NumberInput(attrs={"min": 0, "max": 1, "step": 0.01}),
        }
        help_texts = {
            "focal_x": "Horizontal position of the subject: 0 = left edge, 0.5 = centre, 1 = right edge.",
            "focal_y": "Vertical position of the subject: 0 = top, 0.5 = centre, 1 = bottom. Crops keep it in frame.",
            "alt_text": "Required. Describe what the picture shows for readers who cannot see it.",
        }

    def clean_alt_text(self):
        alt_text = (self.cleaned_data.get("alt_text") or "").strip()
        if not alt_text:
            raise forms.ValidationError("Alt text is required: describe what the picture shows.", code="required")
        return alt_text
