//! The command line, in three parts: [`args`] (what can be typed), [`io`] (what is read and
//! written besides standard output), and [`commands`] (one module per subcommand: it runs the
//! core and renders its result as text or JSON).

pub mod args;
pub mod commands;
pub mod io;

/// Exit code for input that could not be used (also clap's code for usage errors).
pub const UNUSABLE: u8 = 2;

/// Exit code 1 when findings fail the gate, else 0.
pub fn gate_code(failing: bool) -> std::process::ExitCode {
    if failing {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}
