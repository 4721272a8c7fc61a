# The .deb package: the OBS plugin in Debian's system plugin layout, plus the `tha4` command-line tool.
# Build it with the `package` presets (README.md): they configure THA4_PLUGIN_LAYOUT=system.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "obs-tha4-avatar")
set(CPACK_PACKAGE_VENDOR "THA4 Avatar for OBS")
set(CPACK_PACKAGE_CONTACT "THA4 Avatar maintainers <tha4-avatar@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Talking Head Anime 4 avatar source for OBS Studio")
set(CPACK_PACKAGE_DESCRIPTION "A live anime avatar from one picture, driven by a webcam, a phone tracker
or the microphone. Character models are downloaded separately.")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/pkhungurn/talking-head-anime-4-demo")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "video")
# Library dependencies (LibTorch, OpenCV, dlib, yaml-cpp, libobs) come from dpkg-shlibdeps; the dlib
# landmark model and OBS itself are data/program dependencies it cannot see.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "obs-studio (>= 29), libdlib-data")
set(CPACK_COMPONENTS_ALL obs-plugin cli)
set(CPACK_DEB_COMPONENT_INSTALL OFF)
include(CPack)
