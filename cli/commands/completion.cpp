// pgpx completion bash|zsh|fish: a completion script generated from the command tree itself,
// so that it knows every noun, verb and flag of this build (nothing is listed by hand).
#include "commands.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace pgpx::cli {
namespace {

struct flag {
  std::string long_name;   // "--url", or empty
  std::string short_name;  // "-e", or empty
  std::string description;
};

struct node {
  std::string path;  // "" for pgpx itself, "dev", "dev up"...
  std::string description;
  std::vector<std::string> children;
  std::vector<flag> flags;
};

auto flags_of(const CLI::App& app) -> std::vector<flag> {
  std::vector<flag> out;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_positional()) continue;
    flag f;
    for (const auto& l : o->get_lnames()) f.long_name = "--" + l;
    for (const auto& s : o->get_snames()) f.short_name = "-" + s;
    f.description = o->get_description();
    out.push_back(std::move(f));
  }
  return out;
}

void collect(const CLI::App& app, const std::string& path, std::vector<node>& out) {
  node n;
  n.path = path;
  n.description = app.get_description();
  n.flags = flags_of(app);
  const auto subs = app.get_subcommands([](const CLI::App*) { return true; });
  for (const CLI::App* sub : subs) n.children.push_back(sub->get_name());
  out.push_back(n);
  for (const CLI::App* sub : subs) collect(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
}

// Text safe inside single quotes for the shells (a quote closes, is escaped, reopens).
auto single_quoted(const std::string& s) -> std::string {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The first line of a description, for fish's one-line hints.
auto first_line(const std::string& s) -> std::string {
  const auto nl = s.find('\n');
  std::string line = s.substr(0, nl);
  if (line.size() > 80) line = line.substr(0, 77) + "...";
  return line;
}

// Each step from a command to one of its subcommands, as "path|name": what both shells'
// path-tracking loops match the words typed so far against.
auto steps(const std::vector<node>& nodes) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& n : nodes)
    for (const auto& c : n.children) out.push_back(single_quoted(n.path + "|" + c));
  return out;
}

auto bash_script(const std::vector<node>& nodes, const std::vector<flag>& global) -> std::string {
  std::ostringstream s;
  s << "# pgpx completion for bash (pgpx completion bash > /etc/bash_completion.d/pgpx)\n"
       "_pgpx() {\n"
       "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" path=\"\" w i words\n"
       "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
       "    w=\"${COMP_WORDS[i]}\"\n"
       "    case \"$path|$w\" in\n";
  for (const auto& step : steps(nodes)) s << "      " << step << ") path=\"${path:+$path }$w\" ;;\n";
  s << "    esac\n"
       "  done\n"
       "  case \"$path\" in\n";
  for (const auto& n : nodes) {
    std::vector<std::string> words(n.children);
    auto add = [&](const std::string& w) {
      if (!w.empty() && std::find(words.begin(), words.end(), w) == words.end()) words.push_back(w);
    };
    for (const auto& f : n.flags) add(f.long_name), add(f.short_name);
    if (!n.path.empty())  // global flags are accepted after the command too
      for (const auto& f : global) add(f.long_name), add(f.short_name);
    std::string joined;
    for (const auto& w : words) joined += (joined.empty() ? "" : " ") + w;
    s << "    " << single_quoted(n.path) << ") words=" << single_quoted(joined) << " ;;\n";
  }
  s << "  esac\n"
       "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
       "}\n"
       "complete -F _pgpx pgpx\n";
  return s.str();
}

auto fish_script(const std::vector<node>& nodes, const std::vector<flag>& global) -> std::string {
  std::ostringstream s;
  s << "# pgpx completion for fish (pgpx completion fish > ~/.config/fish/completions/pgpx.fish)\n"
       "complete -c pgpx -f\n"
       "function __pgpx_path\n"
       "  set -l words (commandline -opc)\n"
       "  set -l path ''\n"
       "  for w in $words[2..-1]\n"
       "    switch \"$path|$w\"\n";
  for (const auto& step : steps(nodes))
    s << "      case " << step << "\n        set path (string trim -- \"$path $w\")\n";
  s << "    end\n"
       "  end\n"
       "  echo $path\n"
       "end\n";
  auto add_flags = [&](const std::vector<flag>& flags, const std::string& condition) {
    for (const auto& f : flags) {
      s << "complete -c pgpx -n " << single_quoted(condition);
      if (!f.long_name.empty()) s << " -l " << f.long_name.substr(2);
      if (!f.short_name.empty()) s << " -s " << f.short_name.substr(1);
      s << " -d " << single_quoted(first_line(f.description)) << "\n";
    }
  };
  add_flags(global, "true");
  for (const auto& n : nodes) {
    const std::string condition = "test (__pgpx_path) = " + single_quoted(n.path);
    for (const auto& c : n.children) {
      std::string d;
      for (const auto& m : nodes)
        if (m.path == (n.path.empty() ? c : n.path + " " + c)) d = first_line(m.description);
      s << "complete -c pgpx -n " << single_quoted(condition) << " -a " << c << " -d " << single_quoted(d) << "\n";
    }
    if (!n.path.empty()) add_flags(n.flags, condition);
  }
  return s.str();
}

}  // namespace

void add_completion_command(CLI::App& app, action_fn& action) {
  auto* c = app.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
  auto shell = std::make_shared<std::string>();
  c->add_option("shell", *shell, "The shell")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  c->footer(
      "Examples:\n"
      "  pgpx completion bash > /etc/bash_completion.d/pgpx\n"
      "  source <(pgpx completion zsh)          # in ~/.zshrc\n"
      "  pgpx completion fish > ~/.config/fish/completions/pgpx.fish\n"
      "The script is generated from this pgpx's commands, so it knows every command and flag.");
  c->callback([&app, &action, shell] {
    action = [&app, shell] {
      std::vector<node> nodes;
      collect(app, "", nodes);
      const std::vector<flag> global = nodes.front().flags;
      if (*shell == "fish") {
        std::cout << fish_script(nodes, global);
      } else if (*shell == "zsh") {
        // zsh runs the bash function through its bash-completion layer.
        std::cout << "# pgpx completion for zsh (source <(pgpx completion zsh) in ~/.zshrc)\n"
                     "autoload -U +X bashcompinit && bashcompinit\n"
                  << bash_script(nodes, global);
      } else {
        std::cout << bash_script(nodes, global);
      }
      return 0;
    };
  });
}

}  // namespace pgpx::cli
