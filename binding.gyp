# The native addon (conventions.md §6). Built by scripts/build-native.sh with the node-gyp from
# node_modules against the Debian node headers (/usr/include/node), so no header download.
#
# Every native/src/*.cc is compiled: a new module (e.g. the X11 capture/inject phase) only needs
# its files dropped in native/src/ and, if it needs them, its libraries appended to "libraries".
{
  "targets": [
    {
      "target_name": "tandem_native",
      "sources": ["<!@(ls -1 native/src/*.cc)"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/src"
      ],
      "defines": [
        "NAPI_VERSION=8",
        # node-addon-api reports failures as pending JS exceptions; our own code uses C++
        # exceptions internally and catches all of them at the Napi boundary (addon.cc Guard()).
        "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"
      ],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++1y", "-O2", "-O0"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-O3"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Werror", "-O3"],
      "libraries": ["-lturbojpeg", "-lz", "-lX11", "-lXext", "-lXtst", "-lXdamage", "-lXfixes", "-lXrandr", "-lXi"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "OTHER_CPLUSPLUSFLAGS": ["-Wall", "-Wextra", "-Werror", "-O3"]
          }
        }]
      ]
    }
  ]
}
