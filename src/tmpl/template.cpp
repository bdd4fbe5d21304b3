#include <pgpx/tmpl/template.hpp>
