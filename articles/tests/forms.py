"""Reading an HTML form as a browser would submit it, for tests that post real forms."""

from bs4 import BeautifulSoup


def form_fields(html: str, selector: str) -> dict[str, str | list[str]]:
    """Every field of the form ``selector`` in ``html`` as the browser would post it unchanged.

    Submit buttons and file inputs are left out; a multiple select gives a list.
    """
    form = BeautifulSoup(html, "html.parser").select_one(selector)
    assert form is not None, f"no {selector} in the page"
    data: dict[str, str | list[str]] = {}
    for element in form.select("input, textarea, select"):
        name = element.get("name")
        if not name or element.get("type") in ("submit", "button", "file"):
            continue
        if element.name == "select":
            chosen = [option.get("value") for option in element.select("option") if option.has_attr("selected")]
            if element.has_attr("multiple"):
                data[name] = chosen
            elif chosen:
                data[name] = chosen[0]
        elif element.name == "textarea":
            text = element.get_text()
            data[name] = text[1:] if text.startswith("\n") else text  # as browsers parse <textarea>
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                data[name] = element.get("value", "on")
        else:
            data[name] = element.get("value", "")
    return data
