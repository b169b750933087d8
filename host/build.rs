//! Hands the integration tests and benchmarks the folder of the test guests (the components of
//! `transforms/testing` and the enrichment example), which `switchyard-pipeline`'s build script
//! builds together with the built-in transforms, as `SWITCHYARD_TEST_GUESTS`.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_SWITCHYARD_GUESTS_TEST_GUESTS");
    match std::env::var("DEP_SWITCHYARD_GUESTS_TEST_GUESTS") {
        Ok(dir) => println!("cargo:rustc-env=SWITCHYARD_TEST_GUESTS={dir}"),
        Err(_) => {
            eprintln!(
                "error: switchyard-pipeline's build script did not say where the test guests are"
            );
            std::process::exit(1);
        }
    }
}
