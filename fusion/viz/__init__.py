"""Pure Plotly figure builders (no Streamlit): one module per page family."""
