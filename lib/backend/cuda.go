package backend

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// EnvPluginPath names the variable PJRT itself uses for a plugin file or a
// folder of plugins; physnb honours it first.
const EnvPluginPath = "PJRT_PLUGIN_LIBRARY_PATH"

// cudaPluginGlobs are the file names a CUDA PJRT plugin goes by: go-xla's
// installer writes pjrt_c_api_cuda_plugin.so, JAX's wheels ship xla_cuda_plugin.so.
var cudaPluginGlobs = []string{"pjrt_c_api_cuda*_plugin.so", "xla_cuda_plugin.so"}

// FindCUDAPlugin returns the absolute path of a CUDA PJRT plugin, searching, in order:
//
//  1. $PJRT_PLUGIN_LIBRARY_PATH, a plugin file or a folder holding one;
//  2. go-xla's install locations: ~/.local/lib/go-xla and /usr/local/lib/go-xla;
//  3. JAX installations: jax_plugins/xla_cuda*/xla_cuda_plugin.so under the
//     site-packages of the python3 on PATH, and under the usual system and
//     user site-packages folders.
//
// If none is found the error lists every place searched and how to fix it.
func FindCUDAPlugin() (string, error) {
	var searched []string
	try := func(dir string) string {
		searched = append(searched, dir)
		for _, g := range cudaPluginGlobs {
			matches, _ := filepath.Glob(filepath.Join(dir, g))
			sort.Strings(matches)
			if len(matches) > 0 {
				abs, _ := filepath.Abs(matches[len(matches)-1])
				return abs
			}
		}
		return ""
	}
	if p := os.Getenv(EnvPluginPath); p != "" {
		for _, part := range filepath.SplitList(p) {
			if st, err := os.Stat(part); err == nil && !st.IsDir() {
				abs, _ := filepath.Abs(part)
				return abs, nil
			}
			if found := try(part); found != "" {
				return found, nil
			}
		}
	}
	var dirs []string
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".local", "lib", "go-xla"))
	}
	dirs = append(dirs, "/usr/local/lib/go-xla")
	for _, sp := range sitePackages() {
		matches, _ := filepath.Glob(filepath.Join(sp, "jax_plugins", "xla_cuda*"))
		sort.Sort(sort.Reverse(sort.StringSlice(matches))) // newest CUDA first
		if len(matches) == 0 {
			searched = append(searched, filepath.Join(sp, "jax_plugins", "xla_cuda*"))
		}
		dirs = append(dirs, matches...)
	}
	for _, d := range dirs {
		if found := try(d); found != "" {
			return found, nil
		}
	}
	gpu := "an NVIDIA GPU is present (" + nvidiaDevice + ")"
	if _, err := os.Stat(nvidiaDevice); err != nil {
		gpu = "and no NVIDIA GPU either (no " + nvidiaDevice + ")"
	}
	return "", fmt.Errorf("no CUDA PJRT plugin found, %s; searched %s. "+
		"On this machine use the CPU: the kernel \"Go (physnb, CPU)\" or PHYSNB_DEVICE=cpu. "+
		"For a GPU: set %s to the plugin file (for example .../jax_plugins/xla_cuda13/xla_cuda_plugin.so from a JAX "+
		"installation with CUDA), install go-xla's CUDA plugin into ~/.local/lib/go-xla, or set "+
		"GOMLX_BACKEND=xla:/absolute/path/to/plugin.so (docs/gpu.md)", gpu, strings.Join(searched, ", "), EnvPluginPath)
}

// nvidiaDevice is the device file of the first NVIDIA GPU on Linux.
var nvidiaDevice = "/dev/nvidia0"

// sitePackages lists Python site-packages folders where JAX may be installed.
func sitePackages() []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, py := range []string{"python3", "python"} {
		if _, err := exec.LookPath(py); err != nil {
			continue
		}
		cmd := exec.Command(py, "-c", "import site,sys;print('\\n'.join(site.getsitepackages()+[site.getusersitepackages()]))")
		if b, err := cmd.Output(); err == nil {
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				add(strings.TrimSpace(l))
			}
		}
	}
	globs := []string{"/usr/lib/python3*/site-packages", "/usr/local/lib/python3*/site-packages", "/usr/lib/python3/dist-packages"}
	if home, err := os.UserHomeDir(); err == nil {
		globs = append(globs, filepath.Join(home, ".local", "lib", "python3*", "site-packages"))
	}
	for _, g := range globs {
		m, _ := filepath.Glob(g)
		for _, p := range m {
			add(p)
		}
	}
	return out
}
