//! Tells the tests which platform they are built for (`HANDLED_TEST_HOST`): the dependency
//! test asks cargo about that platform's dependencies only.

fn main() {
    #[allow(clippy::disallowed_methods)] // cargo's own description of the build
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=HANDLED_TEST_HOST={target}");
}
