// Errors that name where the bad input is: file, line, column and the fix.
#pragma once

#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

namespace counterpoint {

/// One problem found in a user's input, printed like a compiler diagnostic.
struct Diagnostic {
  std::string file;     ///< input file, or a pseudo-source such as "--set"
  int line = 0;         ///< 1-based; 0 when unknown
  int column = 0;       ///< 1-based; 0 when unknown
  std::string message;  ///< what is wrong and how to fix it

  /// "file:line:col: error: message" (line/col omitted when unknown).
  std::string Format() const;
};

/// what() of an InputError prints at most this many diagnostics, then "... and N more".
inline constexpr size_t kMaxPrintedDiagnostics = 20;

/// Thrown for bad user input; carries every diagnostic collected, not only the first.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  InputError(std::string file, std::string message);
  InputError(std::string file, int line, int column, std::string message);

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

/// An input file that does not exist (the Python API raises FileNotFoundError for it).
class FileNotFound : public InputError {
 public:
  FileNotFound(std::string file, std::string message) : InputError(std::move(file), std::move(message)) {}
  FileNotFound(std::string file, int line, int column, std::string message)
      : InputError(std::move(file), line, column, std::move(message)) {}
};

/// Collects diagnostics; throws them all at once.
class DiagnosticList {
 public:
  /// Adds a diagnostic unless an identical one is already present (O(1) expected).
  void Add(Diagnostic d);
  void Add(std::string file, int line, int column, std::string message) {
    Add(Diagnostic{std::move(file), line, column, std::move(message)});
  }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  /// Throws InputError with everything collected, if anything was.
  void ThrowIfAny() const;

 private:
  std::vector<Diagnostic> items_;
  std::unordered_set<std::string> seen_;
};

/// "a, b, c" for listing valid choices in messages.
std::string JoinNames(const std::vector<std::string>& names);

}  // namespace counterpoint
