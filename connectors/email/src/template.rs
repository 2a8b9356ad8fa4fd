//! Email templates: minijinja sources named `NAME.txt` and/or `NAME.html`, the subject in a
//! `{% block subject %}…{% endblock %}` block, rendered with the op's `data` (the shared
//! implementation is `handled_connector_core::mail::template`).

pub use handled_connector_core::mail::template::{
    Rendered, Sources, Templates, check_template, check_templates, render_sources,
};
