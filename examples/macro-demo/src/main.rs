//! An ordinary Rust binary that embeds a HandledScript workflow: `workflow!` checks
//! `examples/pattern2_multichannel_distribution.hs` when this crate compiles and generates its
//! typed Rust here; `main` hands it to the runtime's command line.
//!
//! ```text
//! cargo run -p handled-macro-demo -- exec MultiChannelInventoryDistribution \
//!     --event examples/events/wms-stock-updated.json --sandbox
//! ```

handled_macros::workflow!(path = "../../pattern2_multichannel_distribution.hs");

#[global_allocator]
static ALLOCATOR: handled_runtime::Allocator = handled_runtime::Allocator;

fn main() -> std::process::ExitCode {
    handled_runtime::main(register)
}
