"""The StreamField blocks of a consultation page's materials: headings, text, documents, images, videos."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock


class MaterialHeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        label = _("Heading")
        template = "consultations/blocks/heading.html"
        preview_value = "検討の前提となる資料"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    description = blocks.CharBlock(label=_("description"), max_length=300, required=False)

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "consultations/blocks/document.html"
        preview_value = {"description": "市の人口推計（PDF）"}


class MaterialsBlock(blocks.StreamBlock):
    heading = MaterialHeadingBlock()
    text = blocks.RichTextBlock(
        label=_("Text"),
        icon="pilcrow",
        features=["bold", "italic", "link", "ol", "ul", "document-link"],
        template="consultations/blocks/text.html",
        preview_value="<p>パネルで話し合う論点の説明です。</p>",
    )
    document = DocumentBlock()
    image = ImageBlock(label=_("Image"), template="consultations/blocks/image.html")
    video = EmbedBlock(label=_("Video"), icon="media", template="consultations/blocks/video.html")
