#pragma once
namespace pgpx { class connection; class result; class row; class field; class transaction; class conninfo; class error; class param_list; }
