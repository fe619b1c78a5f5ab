"""Text that people or their files supplied (zip, folder, dataset, run and file names, and error
messages that quote them), made safe to put in Streamlit markdown: it shows literally.

Streamlit renders markdown in ``st.markdown``, ``st.caption``, ``st.error`` and the other notices,
so a folder named ``[x](http://e)`` would become a link and ``![t](http://e/p.png)`` a tracking
image. ``plain`` backslash-escapes every character that starts a link, an image, an autolink
(``http://``, ``www.``, ``a@b``), HTML, emphasis, code, maths (``$``), a heading or a Streamlit
directive (``:red[...]``, ``:material/...:``); control characters (line breaks included) become
spaces, so a name is one line. Ordinary sentences keep their look (``: ``, ``.``, ``,``).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ACTIVE = re.compile(r"[\\`*_{}\[\]<>()#+|!~$@^=]|:(?=\S)|(?<=[wW]{3})\.|^-")


def plain(text: object) -> str:
    """``text`` as markdown source that renders exactly as ``text`` (control characters as spaces)."""
    return _ACTIVE.sub(lambda m: "\\" + m.group(0), _CONTROL.sub(" ", str(text)))
