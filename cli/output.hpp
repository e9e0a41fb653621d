#pragma once
// The one writer of standard output. Every command renders its whole answer first and hands
// it here; a write that fails (a full disk, a closed stdout) is an error with exit code 2,
// never a silent success. A reader that goes away (`| head`) ends the program by SIGPIPE, with
// no message, as Unix tools do.

#include <string_view>

namespace vramcalc::cli {

/// Run first: SIGPIPE back to its default action (a parent may have ignored it), and standard
/// descriptors that are closed reopened on /dev/null, so that no file vramcalc opens later
/// lands on descriptor 1 (and a closed stdout is reported, not written into a model file).
void prepare_standard_streams();

/// Writes all of `text` to standard output. Throws vramcalc::Error (kind file)
/// "cannot write output: <reason>" when a write fails.
void write_output(std::string_view text);

/// Closes standard output after the last write, so that an error reported only then (NFS, a
/// disk quota) is caught too; throws as write_output.
void finish_output();

}  // namespace vramcalc::cli
