// Start-up configuration: redis.conf text, `include`, and redis-server's command line, which
// redis-server turns into extra config lines read after the file. Postbox does the same, so
// `--save --port 7000` or `--bind "a b"` mean here what they mean there, and errors are reported
// with redis-server's text and line numbers.
#include <fmt/format.h>
#include <glob.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "config/config.h"
#include "config/directive.h"
#include "util/split_args.h"
#include "util/text.h"

namespace postbox {

using config_detail::Args;
using config_detail::Directive;
using config_detail::directives;

namespace {

constexpr int kMaxIncludeDepth = 16;
// The Redis whose start-up messages these are; INFO's redis_version says the same
// (kRedisCompatVersion in commands/server_info.h, which src/config does not include).
constexpr std::string_view kRedisVersion = "7.0.15";

// redis-server's FATAL CONFIG FILE ERROR text, byte for byte once printed with a final newline.
std::string heading(size_t line, std::string_view text) {
  return fmt::format(
      "\n*** FATAL CONFIG FILE ERROR (Redis {}) ***\nReading the configuration file, at line "
      "{}\n>>> '{}'\n",
      kRedisVersion, line, text);
}

std::string fatal(size_t line, std::string_view text, std::string_view reason) {
  return heading(line, text) + std::string(reason);
}

size_t count_lines(std::string_view text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

Status cant_open(std::string_view path, std::string_view error) {
  return Status::error(fmt::format("Fatal error, can't open config file '{}': {}", path, error));
}

bool read_file(const std::string& path, std::string& out, std::string& error) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) {
    error = std::strerror(errno);
    return false;
  }
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  bool failed = std::ferror(f) != 0;  // e.g. EISDIR: fopen succeeds on a directory
  int err = errno;
  std::fclose(f);
  if (failed) error = std::strerror(err);
  return !failed;
}

// Turns `--name value...` arguments into config lines. A `--name` argument that already holds a
// value ("--port 7000" as one word) ends its directive; otherwise the following words, even ones
// starting with "--", are its values, except after a bare --save: Redis reads `--save --port 1`
// and a trailing --save as `save ""`, for command lines built from empty arrays.
std::string options_text(int argc, char** argv, int j, bool& from_stdin) {
  std::string options;
  bool value_seen = true;
  for (; j < argc; ++j) {
    std::string_view a = argv[j];
    if (a == "-" && (j == 1 || j == argc - 1)) {
      from_stdin = true;
    } else if (value_seen && a.starts_with("--")) {
      if (!options.empty()) options += '\n';
      options.append(a.substr(2)).append(" ");
      Args words;
      split_args(a, words);
      value_seen = words.size() != 1;
      bool bare_save = words.size() == 1 && strcasecmp(argv[j], "--save") == 0;
      bool next_is_option = j + 1 < argc && std::string_view(argv[j + 1]).starts_with("--");
      if (bare_save && (next_is_option || j + 1 == argc)) {
        options += "\"\"";
        value_seen = true;
      }
    } else {
      options += config_detail::quote(a);
      options += ' ';
      value_seen = true;
    }
  }
  return options;
}

// Directives Redis 7.0 still accepts and ignores.
bool is_deprecated(const Args& argv) {
  static constexpr std::string_view kNames[] = {"list-max-ziplist-entries",
                                                "list-max-ziplist-value", "lua-replicate-commands"};
  return argv.size() == 2 &&
         std::find(std::begin(kNames), std::end(kNames), argv[0]) != std::end(kNames);
}

// Redis directives outside the table, refused with a reason rather than ignored: each one changes
// security or behaviour, so silently dropping it would start a server unlike the one asked for.
std::string unsupported_reason(const Args& argv) {
  std::string_view name = argv[0];
  if (name == "rename-command" && argv.size() == 3) {
    return "rename-command is not supported by Postbox";
  }
  if (name == "user" && argv.size() >= 2) {
    return "ACL users are not supported by Postbox; use requirepass";
  }
  if (name == "loadmodule" && argv.size() >= 2) return "modules are not supported by Postbox";
  if (name == "sentinel") return "sentinel directive while not in sentinel mode";
  if (name.find('.') != std::string_view::npos) {
    return "module configuration directives are not supported by Postbox";
  }
  return "Bad directive or wrong number of arguments";
}

}  // namespace

// Redis's error block names no file; Postbox adds a last line saying where the line came from,
// so that the block stays byte for byte Redis's for tools that parse it.
std::string ConfigTable::Origin::where(size_t line) const {
  for (const Part& p : parts) {
    if (line <= p.last_line) return "\nin " + p.name;
  }
  return {};
}

Status ConfigTable::load_text(std::string_view text, const Origin& origin) {
  Status s = load_lines(text, 0, origin);
  return s ? check_restricted_after_load() : s;
}

// A refused value is put back to the default so the table never holds a promise Postbox does
// not keep, even if the caller carries on after the error.
Status ConfigTable::check_restricted_after_load() {
  for (size_t i = 0; i < origin_.size(); ++i) {
    if (origin_[i].empty()) continue;
    Status s = check_restricted(i);
    if (s) continue;
    std::string message = origin_[i] + s.message();
    for (size_t j = i; j < origin_.size(); ++j) {
      if (origin_[j].empty()) continue;
      const auto& d = directives()[j];
      Config scratch;
      (void)d.codec->set(config_detail::Slot{scratch, kept_[j]}, {std::string(d.default_value)});
      origin_[j].clear();
    }
    return Status::error(std::move(message));
  }
  return Status::ok();
}

Status ConfigTable::set_while_loading(size_t index, const Args& args) {
  Status s = directives()[index].codec->set(config_detail::Slot{cfg_, kept_[index]}, args);
  if (s && (directives()[index].flags & config_detail::kRestricted)) origin_[index] = current_line_;
  return s;
}

Status ConfigTable::load_args(int argc, char** argv) {
  int j = 1;
  std::string file;
  if (argc >= 2 && argv[1][0] != '-') {
    file = argv[1];
    j = 2;
  }
  bool from_stdin = false;
  std::string options = options_text(argc, argv, j, from_stdin);

  // One text, as redis-server builds it, so that line numbers in errors are the same.
  std::string text;
  if (!file.empty()) {
    std::error_code ec;
    std::string abs = std::filesystem::absolute(file, ec).lexically_normal().string();
    if (ec) abs = file;
    std::string error;
    if (!read_file(abs, text, error)) return cant_open(abs, error);
    cfg_.config_file = abs;
  }
  Origin origin;
  if (!file.empty())
    origin.parts.push_back({count_lines(text) + 1, "config file '" + cfg_.config_file + "'"});
  if (from_stdin) {
    text.append(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    origin.parts.push_back({count_lines(text) + 1, "the configuration read from standard input"});
  }
  text += '\n';
  text += options;
  origin.parts.push_back({SIZE_MAX, "the command-line options"});
  return load_text(text, origin);
}

Status ConfigTable::load_lines(std::string_view text, int depth, const Origin& origin) {
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;

    Args argv;
    if (!split_args(line, argv)) {
      return Status::error(fatal(line_no, line, "Unbalanced quotes in configuration line") +
                           origin.where(line_no));
    }
    if (argv.empty()) continue;
    for (char& c : argv[0]) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

    current_line_ = heading(line_no, line);
    Status s;
    bool line_error = true;
    if (argv[0] == "include" && argv.size() == 2) {
      s = include(argv[1], depth, line_error);
    } else {
      s = apply_line(argv);
    }
    if (!s && line_error) {
      return Status::error(fatal(line_no, line, s.message()) + origin.where(line_no));
    }
    if (!s) return s;
  }
  return Status::ok();
}

// Like Redis, a pattern with glob characters includes every match in sorted order (none is not
// an error), read as one text, and a relative path is taken from the working directory. Errors
// inside included text are reported as Redis does, with line numbers of that text
// (line_error = false: they are not errors of the include line).
Status ConfigTable::include(const std::string& pattern, int depth, bool& line_error) {
  line_error = true;
  if (depth >= kMaxIncludeDepth) {
    return Status::error("include nesting is too deep (does a file include itself?)");
  }
  std::vector<std::string> files;
  if (pattern.find_first_of("*?[") != std::string::npos) {
    glob_t g{};
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
    }
    globfree(&g);
  } else {
    files.push_back(pattern);
  }
  line_error = false;
  std::string text;
  Origin origin;
  for (const std::string& f : files) {
    std::string error;
    if (!read_file(f, text, error)) return cant_open(f, error);
    // Redis numbers the lines of all matches as one text; each part is named by its file.
    origin.parts.push_back({count_lines(text) + 1, "included config file '" + f + "'"});
  }
  return files.empty() ? Status::ok() : load_lines(text, depth + 1, origin);
}

Status ConfigTable::apply_line(const Args& argv) {
  int i = config_detail::find_directive(argv[0]);
  if (i < 0) {
    if (is_deprecated(argv)) return Status::ok();
    return Status::error(unsupported_reason(argv));
  }
  const Directive& d = directives()[i];
  bool multi = (d.flags & config_detail::kMultiArg) != 0;
  if (!multi && argv.size() != 2) return Status::error("wrong number of arguments");
  Args args(argv.begin() + 1, argv.end());
  if (multi && args.size() == 1 && !args[0].empty()) {
    // One quoted word holds the whole list (`--bind "a b"` on the command line), as in Redis 7.
    Args words;
    if (!split_args(args[0], words)) {
      return Status::error("Unbalanced quotes in configuration line");
    }
    args = std::move(words);
  }
  if (d.flags & config_detail::kAccumulate) {
    // Within a load, the first line replaces the default and later lines add to it.
    bool reset = args.size() == 1 && args[0].empty();
    if (save_loaded_ && !reset && !kept_[i].empty()) {
      Args all;
      split_args(kept_[i], all);
      all.insert(all.end(), args.begin(), args.end());
      args = std::move(all);
    }
    save_loaded_ = true;
  }
  return set_while_loading(static_cast<size_t>(i), args);
}

}  // namespace postbox
