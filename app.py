"""songsim dashboard: `streamlit run app.py`.

The router: builds the navigation over the pages in pages/, and the sidebar that picks the
dataset. The first open on an empty cache builds the demo corpus.
"""

import streamlit as st

from songsim import ui

# the icon is a file of the package: a ":material/…:" or emoji icon would be fetched from a font host
st.set_page_config(page_title="songsim", page_icon=ui.ICON, layout="wide")

page = st.navigation(ui.pages())

ui.bootstrap()
with ui.router():  # pages run inside it; see ui.router
    with st.sidebar:
        names = ui.dataset_names()
        ui.restore_view(names)  # a reload or a shared link: the view in the URL
        st.selectbox("Dataset", names, **ui.widget_key("dataset", ui.default_dataset(names)))
        ds = ui.current_dataset()
        s = ds.summary()
        st.caption(
            f"{s['tracks']} tracks · {s['clips']} clips · {s['playlists']} playlists"
            + (f" · {s['labels']} labels" if s["labels"] else "")
        )
        upload = ui.current_upload()
        if upload is not None:
            st.caption(f"Playlists from your upload: {ui.plain(upload.file)}")

    ui.publish_view(ds)  # before the page too: a page that stops early keeps its view in the URL
    page.run()
    ui.publish_view(ds)
